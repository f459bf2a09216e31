import { useState } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../storesContext';

export function ChannelsSection() {
  const { admin } = useStores();
  const channels = useStore(admin, (state) => state.channels);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'voice' | 'text'>('voice');
  return (
    <>
      <form
        className="admin-form"
        onSubmit={(event) => {
          event.preventDefault();
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
        <button type="submit" className="button button-primary">
          Create channel
        </button>
      </form>
      <table className="admin-table">
        <caption>Channels</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Relay only</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {channels.map((channel) => (
            <tr key={channel.id}>
              <td>{channel.name}</td>
              <td>{channel.kind}</td>
              <td>{channel.relayOnly ? 'Yes' : 'No'}</td>
              <td>
                <button
                  type="button"
                  className="button"
                  onClick={() => void admin.getState().deleteChannel(channel.id)}
                >
                  Delete {channel.name}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
