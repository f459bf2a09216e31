import { useState } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { AdminCreateForm, AdminTable, RowAction } from './AdminTable';
import { when } from './format';

export function InvitesSection() {
  const { admin } = useStores();
  const invites = useStore(admin, (state) => state.invites);
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [maxUses, setMaxUses] = useState(1);
  return (
    <>
      <AdminCreateForm submitLabel="Create invite" onCreate={() => void admin.getState().createInvite(role, maxUses)}>
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as 'admin' | 'member')}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </label>
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
        rows={invites}
        rowKey={(invite) => invite.id}
        columns={[
          { header: 'Role', cell: (invite) => invite.role },
          { header: 'Used', cell: (invite) => `${invite.uses} of ${invite.maxUses}` },
          { header: 'Created', cell: (invite) => when(invite.createdAt) },
          { header: 'Expires', cell: (invite) => when(invite.expiresAt) },
          { header: 'State', cell: (invite) => (invite.revokedAt === null ? 'Active' : 'Revoked') },
        ]}
        actions={(invite) =>
          invite.revokedAt === null && (
            <RowAction onClick={() => void admin.getState().revokeInvite(invite.id)}>Revoke</RowAction>
          )
        }
      />
    </>
  );
}
