import { useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useConfirm } from '../components/useConfirm';
import { useStores } from '../storesContext';
import { AdminCreateForm, AdminTable, RowAction } from './AdminTable';

export function ChannelsSection() {
  const { admin } = useStores();
  const channels = useStore(admin, (state) => state.channels);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'voice' | 'text'>('voice');
  const table = useRef<HTMLTableElement>(null);
  const { ask, dialog } = useConfirm(table);
  return (
    <>
      <AdminCreateForm
        label="New channel"
        submitLabel="Create channel"
        onCreate={() => {
          if (name.trim() === '') return;
          void admin.getState().createChannel(name.trim(), kind);
          setName('');
        }}
      >
        <label>
          Channel name
          <input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(event) => setKind(event.target.value as 'voice' | 'text')}>
            <option value="voice">Voice</option>
            <option value="text">Text</option>
          </select>
        </label>
      </AdminCreateForm>
      <AdminTable
        caption="Channels"
        tableRef={table}
        rows={channels}
        rowKey={(channel) => channel.id}
        columns={[
          { header: 'Name', cell: (channel) => channel.name },
          { header: 'Kind', cell: (channel) => (channel.kind === 'text' ? 'Text' : 'Voice') },
          { header: 'Relay only', cell: (channel) => (channel.relayOnly ? 'Yes' : 'No') },
        ]}
        actions={(channel) => (
          <RowAction
            onClick={() =>
              ask({
                title: `Delete channel “${channel.name}”?`,
                consequence:
                  channel.kind === 'text'
                    ? 'Its messages and files are deleted for everyone. This cannot be undone.'
                    : 'Anyone talking in it is disconnected, and its chat’s messages and files are deleted for everyone. This cannot be undone.',
                confirmLabel: 'Delete channel',
                onConfirm: () => admin.getState().deleteChannel(channel.id),
              })
            }
          >
            Delete {channel.name}
          </RowAction>
        )}
      />
      {dialog}
    </>
  );
}
