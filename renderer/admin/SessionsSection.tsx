import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { AdminTable, RowAction } from './AdminTable';
import { shortId, when } from './format';

/** The signed-in user's sessions on this server: one per device that signed in and has not signed out. */
export function SessionsSection() {
  const { admin } = useStores();
  const sessions = useStore(admin, (state) => state.sessions);
  return (
    <AdminTable
      caption="Your active sessions"
      rows={sessions}
      rowKey={(session) => session.id}
      columns={[
        {
          header: 'Session',
          title: (session) => session.id,
          cell: (session) => `${shortId(session.id)}${session.current ? ' (this app)' : ''}`,
        },
        { header: 'Signed in', cell: (session) => when(session.createdAt) },
        { header: 'Last active', cell: (session) => when(session.lastSeenAt) },
      ]}
      actions={(session) =>
        !session.current && (
          <RowAction
            label={`Revoke session ${shortId(session.id)}`}
            onClick={() => void admin.getState().revokeSession(session.id)}
          >
            Revoke
          </RowAction>
        )
      }
    />
  );
}
