import { useState } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { when } from './format';

function RequestLog() {
  const { admin } = useStores();
  const requests = useStore(admin, (state) => state.inputRequests);
  if (requests === null) return null;
  return (
    <table className="admin-table">
      <caption>Requests received</caption>
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Status</th>
          <th scope="col">Body</th>
        </tr>
      </thead>
      <tbody>
        {requests.list.map((request) => (
          <tr key={request.id}>
            <td>{when(request.receivedAt)}</td>
            <td>{request.status}</td>
            <td>
              {request.content === null ? (
                <span className="muted">not kept (ephemeral)</span>
              ) : (
                <code className="request-body">{request.content.body.slice(0, 500)}</code>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
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
  return (
    <>
      <form
        className="admin-form"
        onSubmit={(event) => {
          event.preventDefault();
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
        <button type="submit" className="button button-primary">
          Create input
        </button>
      </form>
      <table className="admin-table">
        <caption>Inputs</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Channel</th>
            <th scope="col">URL</th>
            <th scope="col">Enabled</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {inputs.map((input) => (
            <tr key={input.id}>
              <td>
                {input.name}
                <div className="muted small">
                  {input.ephemeral ? 'ephemeral' : 'keeps requests'}
                  {input.requireToken ? ', token required' : ''}
                </div>
              </td>
              <td>{channelName(input.channelId)}</td>
              <td>
                <code className="input-url">{input.url}</code>
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Accept posts to ${input.name}`}
                  checked={input.enabled}
                  onChange={() => void admin.getState().setInputEnabled(input.id, !input.enabled)}
                />
              </td>
              <td className="actions">
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().showInputRequests(input.id)}
                >
                  Requests
                </button>
                <button type="button" className="button" onClick={() => void admin.getState().deleteInput(input.id)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <RequestLog />
    </>
  );
}
