import { useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useConfirm } from '../components/useConfirm';
import { useStores } from '../storesContext';
import { AdminCreateForm, AdminTable, RowAction } from './AdminTable';
import { when } from './format';

export function TokensSection() {
  const { admin } = useStores();
  const tokens = useStore(admin, (state) => state.tokens);
  const [name, setName] = useState('');
  const table = useRef<HTMLTableElement>(null);
  const { ask, dialog } = useConfirm(table);
  return (
    <>
      <AdminCreateForm
        label="New API token"
        submitLabel="Create token"
        onCreate={() => {
          if (name.trim() === '') return;
          void admin.getState().createToken(name.trim());
          setName('');
        }}
      >
        <label>
          Token name
          <input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} />
        </label>
      </AdminCreateForm>
      <AdminTable
        caption="API tokens"
        tableRef={table}
        rows={tokens}
        rowKey={(token) => token.id}
        columns={[
          { header: 'Name', cell: (token) => token.name },
          { header: 'Created', cell: (token) => when(token.createdAt) },
          { header: 'Last used', cell: (token) => when(token.lastUsedAt) },
          {
            header: 'State',
            cell: (token) => (token.revokedAt === null ? 'Active' : `Revoked ${when(token.revokedAt)}`),
          },
        ]}
        actions={(token) =>
          token.revokedAt === null && (
            <RowAction
              onClick={() =>
                ask({
                  title: `Revoke API token “${token.name}”?`,
                  consequence:
                    'Whatever uses it is refused from now on, including inputs that require a token. This cannot be undone: a new token has to be created and handed out.',
                  confirmLabel: 'Revoke token',
                  onConfirm: () => admin.getState().revokeToken(token.id),
                })
              }
            >
              Revoke {token.name}
            </RowAction>
          )
        }
      />
      {dialog}
    </>
  );
}
