import { useStore } from 'zustand';
import { useStores } from '../storesContext';

/** Members and their roles; owners change roles, owners and admins remove (the server enforces which). */
export function MembersSection() {
  const { admin, session } = useStores();
  const members = useStore(admin, (state) => state.members);
  const self = useStore(session, (state) => (state.session.signedIn ? state.session.user.id : null));
  return (
    <table className="admin-table">
      <caption>Members</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Role</th>
          <th scope="col">Online</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {members.map((member) => (
          <tr key={member.userId}>
            <td>{member.displayName}</td>
            <td>
              <select
                aria-label={`Role of ${member.displayName}`}
                value={member.role}
                onChange={(event) =>
                  void admin.getState().setRole(member.userId, event.target.value as typeof member.role)
                }
              >
                <option value="owner">Owner</option>
                <option value="admin">Admin</option>
                <option value="member">Member</option>
              </select>
            </td>
            <td>{member.online ? 'Yes' : 'No'}</td>
            <td>
              {member.userId !== self && (
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().removeMember(member.userId)}
                >
                  Remove {member.displayName}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
