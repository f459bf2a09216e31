import { useState } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { when } from './format';

export function InvitesSection() {
  const { admin } = useStores();
  const invites = useStore(admin, (state) => state.invites);
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [maxUses, setMaxUses] = useState(1);
  return (
    <>
      <form
        className="admin-form"
        onSubmit={(event) => {
          event.preventDefault();
          void admin.getState().createInvite(role, maxUses);
        }}
      >
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
        <button type="submit" className="button button-primary">
          Create invite
        </button>
      </form>
      <table className="admin-table">
        <caption>Invites</caption>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Used</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {invites.map((invite) => (
            <tr key={invite.id}>
              <td>{invite.role}</td>
              <td>
                {invite.uses} of {invite.maxUses}
              </td>
              <td>{when(invite.createdAt)}</td>
              <td>{when(invite.expiresAt)}</td>
              <td>{invite.revokedAt === null ? 'Active' : 'Revoked'}</td>
              <td>
                {invite.revokedAt === null && (
                  <button
                    type="button"
                    className="button"
                    onClick={() => void admin.getState().revokeInvite(invite.id)}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
