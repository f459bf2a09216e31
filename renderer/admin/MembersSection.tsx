import { useRef } from 'react';
import { useStore } from 'zustand';
import { mayGrant } from '../../shared/roles';
import { roleSchema, type Role } from '../../shared/rest/endpoints';
import { useConfirm } from '../components/useConfirm';
import { useStores } from '../storesContext';
import { AdminTable, RowAction } from './AdminTable';
import { ROLE_NAME } from './format';
import { useAdminRole } from './useAdminRole';

/**
 * Members and their roles. Only owners change roles (the server's rule), and only to roles they may grant; owners
 * and admins remove those below them (owners anyone but themselves), after a question naming the member.
 */
export function MembersSection() {
  const { admin, session } = useStores();
  const members = useStore(admin, (state) => state.members);
  const self = useStore(session, (state) => (state.session.signedIn ? state.session.user.id : null));
  const role = useAdminRole();
  const table = useRef<HTMLTableElement>(null);
  const { ask, dialog } = useConfirm(table);
  const grantable = roleSchema.options.filter((option) => mayGrant(role, option));
  return (
    <>
      <AdminTable
        caption="Members"
        tableRef={table}
        rows={members}
        rowKey={(member) => member.userId}
        columns={[
          { header: 'Name', cell: (member) => member.displayName },
          {
            header: 'Role',
            cell: (member) =>
              role === 'owner' ? (
                <select
                  aria-label={`Role of ${member.displayName}`}
                  value={member.role}
                  onChange={(event) => void admin.getState().setRole(member.userId, event.target.value as Role)}
                >
                  {grantable.map((option) => (
                    <option key={option} value={option}>
                      {ROLE_NAME[option]}
                    </option>
                  ))}
                </select>
              ) : (
                ROLE_NAME[member.role]
              ),
          },
          { header: 'Online', cell: (member) => (member.online ? 'Online' : 'Offline') },
        ]}
        actions={(member) =>
          member.userId !== self &&
          mayGrant(role, member.role) && (
            <RowAction
              onClick={() =>
                ask({
                  title: `Remove ${member.displayName} from the workspace?`,
                  consequence: `${member.displayName} loses access to its channels and calls at once, and is disconnected if online. They can come back only with a new invite.`,
                  confirmLabel: 'Remove member',
                  onConfirm: () => admin.getState().removeMember(member.userId),
                })
              }
            >
              Remove {member.displayName}
            </RowAction>
          )
        }
      />
      {dialog}
    </>
  );
}
