import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { shortId, when } from './format';

/** The signed-in user's sessions on this server: one per device that signed in and has not signed out. */
export function SessionsSection() {
  const { admin } = useStores();
  const sessions = useStore(admin, (state) => state.sessions);
  return (
    <table className="admin-table">
      <caption>Your active sessions</caption>
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col">Signed in</th>
          <th scope="col">Last active</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.id}>
            <td title={session.id}>
              {shortId(session.id)}
              {session.current ? ' (this app)' : ''}
            </td>
            <td>{when(session.createdAt)}</td>
            <td>{when(session.lastSeenAt)}</td>
            <td>
              {!session.current && (
                <button
                  type="button"
                  className="button"
                  aria-label={`Revoke session ${shortId(session.id)}`}
                  onClick={() => void admin.getState().revokeSession(session.id)}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
