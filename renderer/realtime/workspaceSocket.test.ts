import { describe, expect, it } from 'vitest';
import { ok, fail } from '../../shared/result';
import { WS_SUBPROTOCOL, type ClientMessage, type ServerMessage } from '../../shared/ws';
import type { VoiceClock } from '../voice/ports';
import { DRAIN_RECONNECT_SPREAD_MS, drainReconnectDelay } from './backoff';
import { createWorkspaceSocket, type WebSocketLike } from './workspaceSocket';

const WORKSPACE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51';
const USER = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const CONNECTION = ['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a62'];
const EVENT_IDS = [
  '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a71',
  '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a72',
  '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a73',
];

/** A socket the test plays the server for: it records what the client sends and delivers what the test says. */
class ScriptedSocket implements WebSocketLike {
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: never) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    (this.onopen as ((event: unknown) => void) | null)?.({});
  }
  deliver(message: ServerMessage | string) {
    (this.onmessage as ((event: { data: unknown }) => void) | null)?.({
      data: typeof message === 'string' ? message : JSON.stringify(message),
    });
  }
  drop(code: number) {
    this.readyState = 3;
    (this.onclose as ((event: { code: number }) => void) | null)?.({ code });
  }
}

function manualClock(): VoiceClock & { runAll(): void; delays: number[] } {
  const timers: (() => void)[] = [];
  const delays: number[] = [];
  return {
    delays,
    now: () => 0,
    setTimeout(callback, ms) {
      timers.push(callback);
      delays.push(ms);
      return timers.length;
    },
    clearTimeout: () => undefined,
    setInterval: () => 0,
    clearInterval: () => undefined,
    runAll() {
      for (const timer of timers.splice(0)) timer();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const event = (seq: number) =>
  ({
    type: 'event',
    event: {
      id: EVENT_IDS[seq - 1] ?? EVENT_IDS[0],
      seq,
      workspaceId: WORKSPACE,
      type: 'member.online',
      at: 1,
      payload: { userId: USER },
    },
  }) as ServerMessage;

function setup(ticket = async () => ok({ url: 'wss://voice.example.org:8443/v1/ws', ticket: 't'.repeat(43) })) {
  const sockets: ScriptedSocket[] = [];
  const clock = manualClock();
  const client = createWorkspaceSocket({
    workspaceId: WORKSPACE,
    ticket,
    openSocket: (url, protocols) => {
      const socket = new ScriptedSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    clock,
    random: () => 0.5,
  });
  const seen: number[] = [];
  client.onEvent((received) => seen.push(received.seq));
  return { client, sockets, clock, seen };
}

describe('workspace socket', () => {
  it('offers the ticket as a subprotocol, says hello, and resumes from the last event after a drop', async () => {
    const { client, sockets, clock, seen } = setup();
    client.start();
    await tick();
    expect(sockets[0]?.protocols).toEqual([WS_SUBPROTOCOL, `ticket.${'t'.repeat(43)}`]);
    sockets[0]?.open();
    expect(sockets[0]?.sent).toEqual([{ type: 'hello' }]);
    sockets[0]?.deliver({
      type: 'welcome',
      userId: USER,
      connectionId: CONNECTION[0] ?? '',
      workspaceId: WORKSPACE,
      seq: 0,
    });
    expect(client.state()).toBe('open');
    sockets[0]?.deliver(event(1));
    sockets[0]?.deliver(event(2));
    sockets[0]?.drop(1006);
    expect(client.state()).toBe('reconnecting');
    clock.runAll();
    await tick();
    sockets[1]?.open();
    expect(sockets[1]?.sent).toEqual([{ type: 'resume', workspaceId: WORKSPACE, lastSeq: 2 }]);
    sockets[1]?.deliver({
      type: 'welcome',
      userId: USER,
      connectionId: CONNECTION[1] ?? '',
      workspaceId: WORKSPACE,
      seq: 2,
    });
    // A replay overlapping what arrived before the drop is delivered once.
    sockets[1]?.deliver(event(2));
    sockets[1]?.deliver(event(3));
    expect(seen).toEqual([1, 2, 3]);
    expect(client.connectionId()).toBe(CONNECTION[1]);
    expect(client.reconnects()).toBe(1);
  });

  it('does not reconnect once the server ends the session (4001), and drops frames it cannot read', async () => {
    const { client, sockets, clock, seen } = setup();
    client.start();
    await tick();
    sockets[0]?.open();
    sockets[0]?.deliver('{"type":"event","event":{"seq":"not a number"}}');
    sockets[0]?.deliver('not json');
    expect(seen).toEqual([]);
    sockets[0]?.drop(4001);
    clock.runAll();
    await tick();
    expect(sockets).toHaveLength(1);
    expect(client.state()).toBe('closed');
    expect(client.endReason()).toBe('session_ended');
    expect(client.send({ type: 'room.leave', channelId: WORKSPACE })).toBe(false);
  });

  it('stops when signed out and retries when the ticket request merely failed', async () => {
    let answer = fail('server_unreachable', 'down');
    const { client, sockets, clock } = setup(async () => answer);
    client.start();
    await tick();
    expect(client.state()).toBe('reconnecting');
    answer = fail('not_signed_in', 'Sign in first.');
    clock.runAll();
    await tick();
    expect(client.state()).toBe('closed');
    expect(client.endReason()).toBe('not_signed_in');
    expect(sockets).toHaveLength(0);
  });

  it('does not reconnect once removed from the workspace (4004), and says so', async () => {
    const { client, sockets, clock } = setup();
    client.start();
    await tick();
    sockets[0]?.open();
    sockets[0]?.drop(4004);
    clock.runAll();
    await tick();
    expect(sockets).toHaveLength(1);
    expect(client.state()).toBe('closed');
    expect(client.endReason()).toBe('removed');
  });

  it('counts reconnection attempts while the server is away, and starts again after a welcome', async () => {
    const { client, sockets, clock } = setup();
    client.start();
    await tick();
    sockets[0]?.open();
    sockets[0]?.deliver({
      type: 'welcome',
      userId: USER,
      connectionId: CONNECTION[0] ?? '',
      workspaceId: WORKSPACE,
      seq: 0,
    });
    expect(client.attempt()).toBe(0);
    const states: string[] = [];
    client.onStateChange((state) => states.push(`${state} ${client.attempt()}`));
    sockets[0]?.drop(1006);
    expect(client.attempt()).toBe(1);
    for (const expected of [2, 3]) {
      clock.runAll();
      await tick();
      sockets.at(-1)?.drop(1006);
      expect(client.attempt()).toBe(expected);
    }
    clock.runAll();
    await tick();
    sockets.at(-1)?.open();
    sockets
      .at(-1)
      ?.deliver({ type: 'welcome', userId: USER, connectionId: CONNECTION[1] ?? '', workspaceId: WORKSPACE, seq: 0 });
    expect(client.state()).toBe('open');
    expect(client.attempt()).toBe(0);
    // Every attempt is heard, though the state stays "reconnecting", so the app can show the count.
    expect(states).toEqual(['reconnecting 1', 'reconnecting 2', 'reconnecting 3', 'open 0']);
  });

  it('reconnects within the drain spread when its node drains (4005), whatever the backoff had grown to, and resumes', async () => {
    const { client, sockets, clock, seen } = setup();
    client.start();
    await tick();
    // Two failed attempts first: the backoff has grown past the drain spread.
    for (let i = 0; i < 4; i++) {
      sockets.at(-1)?.drop(1006);
      clock.runAll();
      await tick();
    }
    expect(clock.delays.at(-1)).toBeGreaterThan(DRAIN_RECONNECT_SPREAD_MS);
    sockets.at(-1)?.open();
    sockets
      .at(-1)
      ?.deliver({ type: 'welcome', userId: USER, connectionId: CONNECTION[0] ?? '', workspaceId: WORKSPACE, seq: 0 });
    sockets.at(-1)?.deliver(event(1));
    sockets.at(-1)?.drop(4005);
    expect(client.state()).toBe('reconnecting');
    // random() is 0.5 in this setup: half the spread, not the first backoff step (250-500 ms).
    expect(clock.delays.at(-1)).toBe(DRAIN_RECONNECT_SPREAD_MS / 2);
    clock.runAll();
    await tick();
    sockets.at(-1)?.open();
    expect(sockets.at(-1)?.sent).toEqual([{ type: 'resume', workspaceId: WORKSPACE, lastSeq: 1 }]);
    sockets
      .at(-1)
      ?.deliver({ type: 'welcome', userId: USER, connectionId: CONNECTION[1] ?? '', workspaceId: WORKSPACE, seq: 1 });
    sockets.at(-1)?.deliver(event(2));
    expect(seen).toEqual([1, 2]);
    expect(client.endReason()).toBeNull();
  });

  it('spreads drain reconnections uniformly over the spread', () => {
    expect(drainReconnectDelay(() => 0)).toBe(0);
    expect(drainReconnectDelay(() => 0.999)).toBeLessThanOrEqual(DRAIN_RECONNECT_SPREAD_MS);
    expect(drainReconnectDelay(() => 0.25)).toBe(DRAIN_RECONNECT_SPREAD_MS / 4);
  });
});
