import type { ChannelsStore } from '../stores/channelsStore';
import type { AnnouncerStore } from '../stores/announcerStore';
import type { RealtimeHub } from '../realtime/realtimeHub';
import type { VoiceEngine } from '../voice/voiceEngine';
import { realClock, type VoiceClock } from '../voice/ports';

/** How long a join by someone whose name has not arrived yet waits for it before it is said as "Someone". */
export const UNKNOWN_NAME_WAIT_MS = 3000;

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
  clock?: Pick<VoiceClock, 'setTimeout' | 'clearTimeout'>;
}): () => void {
  const { channels, engine, hub, announcer, selfId } = deps;
  const clock = deps.clock ?? realClock;
  const usersIn = (channelId: string | null): Set<string> =>
    new Set((channelId === null ? [] : (channels.getState().rooms[channelId] ?? [])).map((peer) => peer.userId));
  const knownName = (userId: string) => channels.getState().members[userId]?.displayName;
  const nameOf = (userId: string) => knownName(userId) ?? 'Someone';
  let callChannel: string | null = null;
  let present = new Set<string>();
  /**
   * Joins by someone the member list does not have yet (a teammate who signed up a moment ago: the room's change can
   * come before the member's), said once their name comes, or as "Someone" after UNKNOWN_NAME_WAIT_MS.
   */
  const awaitingName = new Map<string, unknown>();

  /** Stops waiting for `userId`'s name; whether we were. */
  const stopAwaiting = (userId: string): boolean => {
    if (!awaitingName.has(userId)) return false;
    clock.clearTimeout(awaitingName.get(userId));
    return awaitingName.delete(userId);
  };

  const sayJoined = (userId: string) => {
    stopAwaiting(userId);
    announcer.getState().announce(`${nameOf(userId)} joined the call`);
  };

  const dropAwaiting = () => {
    for (const userId of [...awaitingName.keys()]) stopAwaiting(userId);
  };

  const follow = () => {
    const channelId = engine?.store.getState().channelId ?? null;
    const online = hub.store.getState().state === 'open';
    const now = usersIn(channelId);
    // Only changes seen while connected to the same call are news; a reload after a reconnect is not.
    if (channelId !== null && channelId === callChannel && online) {
      const self = selfId();
      for (const userId of now) {
        if (present.has(userId) || userId === self) continue;
        if (knownName(userId) !== undefined) sayJoined(userId);
        else
          awaitingName.set(
            userId,
            clock.setTimeout(() => sayJoined(userId), UNKNOWN_NAME_WAIT_MS),
          );
      }
      for (const userId of present) {
        if (now.has(userId) || userId === self) continue;
        // Gone before anyone heard they came: neither is news.
        if (!stopAwaiting(userId)) announcer.getState().announce(`${nameOf(userId)} left the call`);
      }
      for (const userId of [...awaitingName.keys()]) if (knownName(userId) !== undefined) sayJoined(userId);
    } else dropAwaiting();
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
    dropAwaiting();
  };
}
