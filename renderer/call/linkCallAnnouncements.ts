import type { ChannelsStore } from '../stores/channelsStore';
import type { AnnouncerStore } from '../stores/announcerStore';
import type { RealtimeHub } from '../realtime/realtimeHub';
import type { VoiceEngine } from '../voice/voiceEngine';

/**
 * Tells a screen reader who joined or left the call we are in, and when the connection to the server drops and
 * comes back: things that change on screen without taking focus (WCAG 4.1.3).
 */
export function linkCallAnnouncements(deps: {
  channels: ChannelsStore;
  engine: VoiceEngine | null;
  hub: RealtimeHub;
  announcer: AnnouncerStore;
  selfId: () => string | null;
}): () => void {
  const { channels, engine, hub, announcer, selfId } = deps;
  const usersIn = (channelId: string | null): Set<string> =>
    new Set((channelId === null ? [] : (channels.getState().rooms[channelId] ?? [])).map((peer) => peer.userId));
  const nameOf = (userId: string) => channels.getState().members[userId]?.displayName ?? 'Someone';
  let callChannel: string | null = null;
  let present = new Set<string>();

  const follow = () => {
    const channelId = engine?.store.getState().channelId ?? null;
    const online = hub.store.getState().state === 'open';
    const now = usersIn(channelId);
    // Only changes seen while connected to the same call are news; a reload after a reconnect is not.
    if (channelId !== null && channelId === callChannel && online) {
      const self = selfId();
      for (const userId of now)
        if (!present.has(userId) && userId !== self) announcer.getState().announce(`${nameOf(userId)} joined the call`);
      for (const userId of present)
        if (!now.has(userId) && userId !== self) announcer.getState().announce(`${nameOf(userId)} left the call`);
    }
    callChannel = channelId;
    present = now;
  };

  const unsubscribers = [
    channels.subscribe(follow),
    ...(engine === null ? [] : [engine.store.subscribe(follow)]),
    hub.store.subscribe((state, previous) => {
      if (state.state === previous.state) return;
      if (state.state === 'reconnecting' && previous.state === 'open') {
        announcer.getState().announce('Connection to the server lost. Reconnecting…', 'assertive');
      } else if (state.state === 'open' && previous.state === 'reconnecting') {
        announcer.getState().announce('Reconnected to the server.');
      }
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
