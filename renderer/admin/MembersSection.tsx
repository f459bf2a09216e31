import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { AdminTable, RowAction } from './AdminTable';

/** Members and their roles; owners change roles, owners and admins remove (the server enforces which). */
export function MembersSection() {
  const { admin, session } = useStores();
  const members = useStore(admin, (state) => state.members);
  const self = useStore(session, (state) => (state.session.signedIn ? state.session.user.id : null));
  return (
    <AdminTable
      caption="Members"
      rows={members}
      rowKey={(member) => member.userId}
      columns={[
        { header: 'Name', cell: (member) => member.displayName },
        {
          header: 'Role',
          cell: (member) => (
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
          ),
        },
        { header: 'Online', cell: (member) => (member.online ? 'Yes' : 'No') },
      ]}
      actions={(member) =>
        member.userId !== self && (
          <RowAction onClick={() => void admin.getState().removeMember(member.userId)}>
            Remove {member.displayName}
          </RowAction>
        )
      }
    />
  );
}
