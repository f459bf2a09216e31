import { useId, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { mayGrant } from '../../shared/roles';
import { useConfirm } from '../components/useConfirm';
import { useStores } from '../storesContext';
import { AdminCreateForm, AdminTable, RowAction } from './AdminTable';
import { ROLE_NAME, when } from './format';
import { useAdminRole } from './useAdminRole';

/** The roles an invite can carry, most common first. */
const INVITE_ROLES = ['member', 'admin'] as const;
type InviteRole = (typeof INVITE_ROLES)[number];

/** Invites: new ones for the roles this user may hand out (shared/roles.ts, as the server decides), and revoking. */
export function InvitesSection() {
  const { admin } = useStores();
  const invites = useStore(admin, (state) => state.invites);
  const actor = useAdminRole();
  const offered = INVITE_ROLES.filter((candidate) => mayGrant(actor, candidate));
  const [chosen, setChosen] = useState<InviteRole>('member');
  const role = offered.includes(chosen) ? chosen : 'member';
  const [maxUses, setMaxUses] = useState(1);
  const table = useRef<HTMLTableElement>(null);
  const { ask, dialog } = useConfirm(table);
  const roleHint = useId();
  const describe = (invite: (typeof invites)[number]) =>
    `${ROLE_NAME[invite.role]} invite created ${when(invite.createdAt)}`;

  return (
    <>
      <AdminCreateForm
        label="New invite"
        submitLabel="Create invite"
        onCreate={() => void admin.getState().createInvite(role, maxUses)}
      >
        {offered.length > 1 ? (
          <label>
            Role
            <select value={role} onChange={(event) => setChosen(event.target.value as InviteRole)}>
              {offered.map((option) => (
                <option key={option} value={option}>
                  {ROLE_NAME[option]}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <div className="admin-form-fixed">
            <span>Role</span>
            <span className="admin-form-value" aria-describedby={roleHint}>
              Member
            </span>
            <span id={roleHint} className="muted small">
              Only owners invite admins.
            </span>
          </div>
        )}
        <label>
          Uses
          <input
            type="number"
            min={1}
            max={1000}
            value={maxUses}
            onChange={(event) => setMaxUses(Math.max(1, Math.min(1000, Number(event.target.value) || 1)))}
          />
        </label>
      </AdminCreateForm>
      <AdminTable
        caption="Invites"
        tableRef={table}
        rows={invites}
        rowKey={(invite) => invite.id}
        empty="No invites yet."
        columns={[
          { header: 'Role', cell: (invite) => ROLE_NAME[invite.role] },
          { header: 'Used', cell: (invite) => `${invite.uses} of ${invite.maxUses}` },
          { header: 'Created', cell: (invite) => when(invite.createdAt) },
          { header: 'Expires', cell: (invite) => when(invite.expiresAt) },
          { header: 'State', cell: (invite) => (invite.revokedAt === null ? 'Active' : 'Revoked') },
        ]}
        actions={(invite) =>
          invite.revokedAt === null && (
            <RowAction
              label={`Revoke ${describe(invite)}`}
              onClick={() =>
                ask({
                  title: `Revoke the ${describe(invite)}?`,
                  consequence: `Its link stops working at once (${invite.uses} of ${invite.maxUses} uses taken). Whoever already joined with it stays.`,
                  confirmLabel: 'Revoke invite',
                  onConfirm: () => admin.getState().revokeInvite(invite.id),
                })
              }
            >
              Revoke
            </RowAction>
          )
        }
      />
      {dialog}
    </>
  );
}
