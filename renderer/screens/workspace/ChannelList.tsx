import { useStore } from 'zustand';
import { useStores } from '../../storesContext';

/** The selected workspace's voice channels: an honest empty state until the server can list them. */
export function ChannelList() {
  const { workspace } = useStores();
  const channels = useStore(workspace, (state) => state.channels);
  const selected = useStore(workspace, (state) => state.workspaces.find((item) => item.id === state.selectedId));

  return (
    <section className="channel-panel" aria-labelledby="channels-heading">
      <div className="channel-panel-header">
        <h2 id="channels-heading">Voice channels</h2>
        {selected && <p className="muted small">in {selected.name}</p>}
      </div>
      {channels.length === 0 ? (
        <div className="empty-state">
          <p className="empty-title">No voice channels yet</p>
          <p className="muted small">
            {selected
              ? 'Channels of this workspace will show up here once your server offers them.'
              : 'Pick a workspace to see its channels.'}
          </p>
        </div>
      ) : (
        <ul className="channel-items" aria-label="Voice channels">
          {channels.map((channel) => (
            <li key={channel.id} className="channel-item">
              {channel.name}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
