import { useStore } from 'zustand';
import type { Channel } from '../../../shared/rest/endpoints';
import type { RoomPeer } from '../../../shared/ws';
import { useStores } from '../../storesContext';
import { useVoice } from './useVoice';
import { ChannelIcon } from '../../components/ChannelIcon';

/** One shared empty list: a selector returning a fresh [] would re-render forever. */
const NO_PEERS: readonly RoomPeer[] = [];

function ChannelRow({ channel, selfId }: { channel: Channel; selfId: string | null }) {
  const { channels, voice } = useStores();
  const peers = useStore(channels, (state) => state.rooms[channel.id] ?? NO_PEERS);
  const members = useStore(channels, (state) => state.members);
  const here = useVoice((state) => state.channelId === channel.id);
  const callPeers = useVoice((state) => state.peers);
  const localSpeaking = useVoice((state) => state.localSpeaking);
  // Only the channel we are in has levels: speaking indicators come from our own call's audio.
  const speaking = new Set(Object.values(callPeers).flatMap((peer) => (peer.speaking ? [peer.userId] : [])));
  if (localSpeaking && selfId !== null) speaking.add(selfId);
  // One row per user even if they are in the room from two devices.
  const userIds = [...new Set(peers.map((peer) => peer.userId))];

  return (
    <li className={here ? 'channel-item channel-item-current' : 'channel-item'}>
      <div className="channel-row">
        <span className="channel-name">
          <ChannelIcon kind={channel.kind} />
          {channel.name}
        </span>
        {channel.kind === 'voice' && voice !== null && !here && (
          <button type="button" className="button button-small" onClick={() => void voice.join(channel.id)}>
            Join {channel.name}
          </button>
        )}
        {here && <span className="muted small">You are here</span>}
      </div>
      {userIds.length > 0 && (
        <ul className="channel-members" aria-label={`In ${channel.name}`}>
          {userIds.map((userId) => {
            const name = members[userId]?.displayName ?? 'Unknown member';
            const isSpeaking = here && speaking.has(userId);
            return (
              <li key={userId} className={isSpeaking ? 'channel-member speaking' : 'channel-member'}>
                <span className="avatar avatar-small" aria-hidden="true">
                  {name.charAt(0).toUpperCase()}
                </span>
                {name}
                {isSpeaking && <span className="visually-hidden"> (speaking)</span>}
              </li>
            );
          })}
        </ul>
      )}
    </li>
  );
}

/** The selected workspace's channels, who is in each voice room, and who of our call is speaking. */
export function ChannelList() {
  const { workspace, channels, session } = useStores();
  const list = useStore(channels, (state) => state.channels);
  const loading = useStore(channels, (state) => state.loading);
  const error = useStore(channels, (state) => state.error);
  const selected = useStore(workspace, (state) => state.workspaces.find((item) => item.id === state.selectedId));
  const selfId = useStore(session, (state) => (state.session.signedIn ? state.session.user.id : null));

  return (
    <section className="channel-panel" aria-labelledby="channels-heading">
      <div className="channel-panel-header">
        <h2 id="channels-heading">Channels</h2>
        {selected && <p className="muted small">in {selected.name}</p>}
      </div>
      <div role="alert" className="alert alert-inline">
        {error}
      </div>
      {list.length === 0 ? (
        <div className="empty-state">
          <p className="empty-title">{loading ? 'Loading channels…' : 'No channels yet'}</p>
          <p className="muted small">
            {selected ? 'An admin of this workspace can create channels.' : 'Pick a workspace to see its channels.'}
          </p>
        </div>
      ) : (
        <ul className="channel-items" aria-label="Voice channels">
          {list.map((channel) => (
            <ChannelRow key={channel.id} channel={channel} selfId={selfId} />
          ))}
        </ul>
      )}
    </section>
  );
}
