import { useStore } from 'zustand';
import type { RoomPeer } from '../../shared/ws';
import { sameRecords, useVoice, useVoiceWith } from '../screens/workspace/useVoice';
import { useStores } from '../storesContext';
import { callMembers, type CallMember } from './callMembers';

/** One shared empty list: a selector returning a fresh [] would re-render forever. */
const NO_PEERS: readonly RoomPeer[] = [];

/** The members of a voice room as the call view and the channel list show them (see callMembers). */
export function useCallMembers(channelId: string): { members: CallMember[]; here: boolean } {
  const { channels, session } = useStores();
  const peers = useStore(channels, (state) => state.rooms[channelId] ?? NO_PEERS);
  const members = useStore(channels, (state) => state.members);
  const serverMuted = useStore(channels, (state) => state.serverMuted);
  const selfId = useStore(session, (state) => (state.session.signedIn ? state.session.user.id : null));
  const here = useVoice((state) => state.channelId === channelId);
  const muted = useVoice((state) => state.muted);
  const deafened = useVoice((state) => state.deafened);
  const localSpeaking = useVoice((state) => state.localSpeaking);
  // Who speaks and how each connection stands, nothing else: a stats tick or a level step redraws no tile.
  const enginePeers = useVoiceWith(
    (state) =>
      Object.values(state.peers).map(({ userId, speaking, connectionState }) => ({
        userId,
        speaking,
        connectionState,
      })),
    sameRecords,
  );
  return {
    here,
    members: callMembers({
      roomPeers: peers,
      members,
      serverMuted,
      selfId,
      ownCall: here ? { muted, deafened, localSpeaking, peers: enginePeers } : null,
    }),
  };
}
