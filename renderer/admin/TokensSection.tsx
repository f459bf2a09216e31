import { useState } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { when } from './format';

export function TokensSection() {
  const { admin } = useStores();
  const tokens = useStore(admin, (state) => state.tokens);
  const [name, setName] = useState('');
  return (
    <>
      <form
        className="admin-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() === '') return;
          void admin.getState().createToken(name.trim());
          setName('');
        }}
      >
        <label>
          Token name
          <input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} />
        </label>
        <button type="submit" className="button button-primary">
          Create token
        </button>
      </form>
      <table className="admin-table">
        <caption>API tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>{when(token.createdAt)}</td>
              <td>{when(token.lastUsedAt)}</td>
              <td>{token.revokedAt === null ? 'Active' : `Revoked ${when(token.revokedAt)}`}</td>
              <td>
                {token.revokedAt === null && (
                  <button type="button" className="button" onClick={() => void admin.getState().revokeToken(token.id)}>
                    Revoke {token.name}
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
