import { useRef, useState } from 'react';
import { useStore } from 'zustand';
import { CopyButton } from '../components/CopyButton';
import { useConfirm } from '../components/useConfirm';
import { useStores } from '../storesContext';
import { AdminCreateForm, AdminTable, RowAction } from './AdminTable';
import { when } from './format';

function RequestLog() {
  const { admin } = useStores();
  const requests = useStore(admin, (state) => state.inputRequests);
  if (requests === null) return null;
  return (
    <AdminTable
      caption="Requests received"
      rows={requests.list}
      rowKey={(request) => request.id}
      columns={[
        { header: 'Received', cell: (request) => when(request.receivedAt) },
        { header: 'Status', cell: (request) => request.status },
        {
          header: 'Body',
          cell: (request) =>
            request.content === null ? (
              <span className="muted">not kept (ephemeral)</span>
            ) : (
              <code className="request-body">{request.content.body.slice(0, 500)}</code>
            ),
        },
      ]}
    />
  );
}

export function InputsSection() {
  const { admin } = useStores();
  const inputs = useStore(admin, (state) => state.inputs);
  const channels = useStore(admin, (state) => state.channels);
  const [name, setName] = useState('');
  const [channelId, setChannelId] = useState('');
  const [ephemeral, setEphemeral] = useState(false);
  const [requireToken, setRequireToken] = useState(false);
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name ?? id;
  const table = useRef<HTMLTableElement>(null);
  const { ask, dialog } = useConfirm(table);
  return (
    <>
      <AdminCreateForm
        label="New input"
        submitLabel="Create input"
        onCreate={() => {
          const target = channelId || channels[0]?.id;
          if (name.trim() === '' || target === undefined) return;
          void admin.getState().createInput({ name: name.trim(), channelId: target, ephemeral, requireToken });
          setName('');
        }}
      >
        <label>
          Input name
          <input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Posts to
          <select value={channelId} onChange={(event) => setChannelId(event.target.value)}>
            {channels.map((channel) => (
              <option key={channel.id} value={channel.id}>
                {channel.name}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={ephemeral} onChange={() => setEphemeral(!ephemeral)} />
          Ephemeral (keep status and time only)
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={requireToken} onChange={() => setRequireToken(!requireToken)} />
          Require an API token
        </label>
      </AdminCreateForm>
      <AdminTable
        caption="Inputs"
        tableRef={table}
        rows={inputs}
        rowKey={(input) => input.id}
        columns={[
          {
            header: 'Name',
            cell: (input) => (
              <>
                {input.name}
                <div className="muted small">
                  {input.ephemeral ? 'ephemeral' : 'keeps requests'}
                  {input.requireToken ? ', token required' : ''}
                </div>
              </>
            ),
          },
          { header: 'Channel', cell: (input) => channelName(input.channelId) },
          {
            header: 'URL',
            cell: (input) => (
              <div className="secret-line">
                <code className="input-url">{input.url}</code>
                <CopyButton text={input.url} what={`URL of ${input.name}`} />
              </div>
            ),
          },
          {
            header: 'Enabled',
            cell: (input) => (
              <input
                type="checkbox"
                aria-label={`Accept posts to ${input.name}`}
                checked={input.enabled}
                onChange={() => void admin.getState().setInputEnabled(input.id, !input.enabled)}
              />
            ),
          },
        ]}
        actions={(input) => (
          <>
            <RowAction onClick={() => void admin.getState().showInputRequests(input.id)}>Requests</RowAction>
            <RowAction
              label={`Delete input ${input.name}`}
              onClick={() =>
                ask({
                  title: `Delete input “${input.name}”?`,
                  consequence: `Its URL stops accepting posts at once, and its request log is deleted. Posts it made stay in #${channelName(input.channelId)}. This cannot be undone.`,
                  confirmLabel: 'Delete input',
                  onConfirm: () => admin.getState().deleteInput(input.id),
                })
              }
            >
              Delete
            </RowAction>
          </>
        )}
      />
      {dialog}
      <RequestLog />
    </>
  );
}
