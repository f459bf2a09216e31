import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { ChannelsStore, ChannelsState } from '../stores/channelsStore';
import { createAnnouncerStore } from '../stores/announcerStore';
import type { RealtimeHub, RealtimeState } from '../realtime/realtimeHub';
import type { VoiceEngine } from '../voice/voiceEngine';
import { initialVoiceState, type VoiceState } from '../voice/voiceState';
import { linkCallAnnouncements, UNKNOWN_NAME_WAIT_MS } from './linkCallAnnouncements';

const LOBBY = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a10';
const ADA = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01';
const BOB = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02';
const ROBO = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03';
const peer = (userId: string) => ({ peerId: `${userId}-p`, userId, selfMuted: false, selfDeafened: false });

function setup() {
  const channels = createStore<Pick<ChannelsState, 'rooms' | 'members'>>()(() => ({
    rooms: {},
    members: {
      [ADA]: { userId: ADA, displayName: 'Ada', role: 'owner', online: true },
      [BOB]: { userId: BOB, displayName: 'Bob', role: 'member', online: true },
    },
  }));
  const voice = createStore<VoiceState>()(() => initialVoiceState());
  const hubStore = createStore<RealtimeState>()(() => ({
    workspaceId: 'w',
    state: 'open',
    reconnects: 0,
    attempt: 0,
    endReason: null,
  }));
  const announcer = createAnnouncerStore();
  const heard: string[] = [];
  announcer.subscribe((state, previous) => {
    if (state.polite !== previous.polite && state.polite) heard.push(state.polite.text);
    if (state.assertive !== previous.assertive && state.assertive) heard.push(`! ${state.assertive.text}`);
  });
  // Timers the test fires by hand: `elapse(ms)` runs what is due.
  let clock = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  let nextTimer = 1;
  const timers = {
    setTimeout: (run: () => void, ms: number) => {
      due.set(nextTimer, { at: clock + ms, run });
      return nextTimer++;
    },
    clearTimeout: (handle: unknown) => void due.delete(handle as number),
  };
  const elapse = (ms: number) => {
    clock += ms;
    for (const [handle, timer] of [...due]) {
      if (timer.at > clock) continue;
      due.delete(handle);
      timer.run();
    }
  };
  linkCallAnnouncements({
    channels: channels as unknown as ChannelsStore,
    engine: { store: voice } as unknown as VoiceEngine,
    hub: { store: hubStore } as unknown as RealtimeHub,
    announcer,
    selfId: () => ADA,
    clock: timers,
  });
  return { channels, voice, hubStore, heard, elapse, pending: () => due.size };
}

describe('call announcements', () => {
  it('says who joined and left the call we are in, not ourselves, and nothing for other rooms', () => {
    const { channels, voice, heard } = setup();
    channels.setState({ rooms: { [LOBBY]: [peer(BOB)] } });
    expect(heard).toEqual([]);
    voice.setState({ channelId: LOBBY, phase: 'connected' });
    channels.setState({ rooms: { [LOBBY]: [peer(BOB), peer(ADA)] } });
    expect(heard).toEqual([]);
    channels.setState({ rooms: { [LOBBY]: [peer(ADA)] } });
    channels.setState({ rooms: { [LOBBY]: [peer(ADA), peer(BOB)] } });
    expect(heard).toEqual(['Bob left the call', 'Bob joined the call']);
  });

  it('holds the join of someone not yet in the member list until their name comes', () => {
    const { channels, voice, heard, pending } = setup();
    channels.setState({ rooms: { [LOBBY]: [peer(ADA)] } });
    voice.setState({ channelId: LOBBY, phase: 'connected' });
    // Robo signed up a moment ago: the room says he is here before the member list knows him.
    channels.setState({ rooms: { [LOBBY]: [peer(ADA), peer(ROBO)] } });
    expect(heard).toEqual([]);
    channels.setState((state) => ({
      members: { ...state.members, [ROBO]: { userId: ROBO, displayName: 'Robo', role: 'member', online: true } },
    }));
    expect(heard).toEqual(['Robo joined the call']);
    expect(pending()).toBe(0);
  });

  it('says "Someone" if the name never comes, and nothing for someone who left before it did', () => {
    const { channels, voice, heard, elapse } = setup();
    channels.setState({ rooms: { [LOBBY]: [peer(ADA)] } });
    voice.setState({ channelId: LOBBY, phase: 'connected' });
    channels.setState({ rooms: { [LOBBY]: [peer(ADA), peer(ROBO)] } });
    elapse(UNKNOWN_NAME_WAIT_MS - 1);
    expect(heard).toEqual([]);
    elapse(1);
    expect(heard).toEqual(['Someone joined the call']);
    channels.setState({ rooms: { [LOBBY]: [peer(ADA)] } });
    const GHOST = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04';
    channels.setState({ rooms: { [LOBBY]: [peer(ADA), peer(GHOST)] } });
    channels.setState({ rooms: { [LOBBY]: [peer(ADA)] } });
    elapse(UNKNOWN_NAME_WAIT_MS);
    expect(heard).toEqual(['Someone joined the call', 'Someone left the call']);
  });

  it('says when the connection drops (assertively) and comes back, and stays quiet about the reload', () => {
    const { channels, voice, hubStore, heard } = setup();
    channels.setState({ rooms: { [LOBBY]: [peer(ADA), peer(BOB)] } });
    voice.setState({ channelId: LOBBY, phase: 'connected' });
    hubStore.setState({ state: 'reconnecting', attempt: 1 });
    channels.setState({ rooms: { [LOBBY]: [peer(ADA)] } });
    hubStore.setState({ state: 'open', attempt: 0 });
    expect(heard).toEqual(['! Connection to the server lost. Reconnecting…', 'Reconnected to the server.']);
  });
});
