import { describe, expect, it } from 'vitest';
import { IPC_PREFIX, invokeChannelNames, type IpcTransport } from '../shared/ipc';
import { createHandlers } from '../main/ipc/createHandlers';
import { createEventSink } from '../main/ipc/eventSink';
import { registerHandlers } from '../main/ipc/registerHandlers';
import { trustOnlyAppFrames } from '../main/ipc/sender';
import { createServerApi } from '../main/session/apiClient';
import { CredentialVault } from '../main/session/credentialVault';
import { createSessionService } from '../main/session/sessionService';
import { createWhootBridge } from '../preload/createWhootBridge';
import { TEST_IO_TIMEOUT_MS } from './support/testDeadlines';

const APP = { url: 'app://whoot/index.html', isMainFrame: true };

function mainSide() {
  const logs: string[] = [];
  const sessions = createSessionService({
    vault: new CredentialVault(),
    keychain: null,
    api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
    events: createEventSink(() => undefined),
  });
  const handlers = createHandlers({ identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' }, sessions });
  const dispatcher = registerHandlers({
    handlers,
    isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    log: (message) => logs.push(message),
  });
  return { handlers, dispatcher, logs };
}

/** Lists `namespace.method` for every function the bridge exposes (excluding `on`, the event subscription). */
function bridgeMethods(): string[] {
  const transport: IpcTransport = { invoke: async () => ({ ok: true, value: null }), subscribe: () => () => undefined };
  const api = createWhootBridge(transport) as unknown as Record<string, unknown>;
  const names: string[] = [];
  for (const [namespace, group] of Object.entries(api)) {
    if (namespace === 'on') continue;
    for (const [method, fn] of Object.entries(group as Record<string, unknown>)) {
      if (typeof fn === 'function') names.push(`${namespace}.${method}`);
    }
  }
  return names.sort();
}

describe('the IPC surface equals the contract', () => {
  it('contract, preload bridge and main registrations list the same channels', () => {
    const contract = [...invokeChannelNames].sort();
    const { handlers, dispatcher } = mainSide();
    expect(contract.length).toBeGreaterThan(0);
    expect(bridgeMethods()).toEqual(contract);
    expect(Object.keys(handlers).sort()).toEqual(contract);
    expect([...dispatcher.wireChannels].sort()).toEqual(contract.map((name) => `${IPC_PREFIX}${name}`));
  });

  it('the bridge is frozen, so a page script cannot add or swap methods', () => {
    const api = createWhootBridge({ invoke: async () => null, subscribe: () => () => undefined }) as unknown as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api['session'])).toBe(true);
    expect(() => {
      api['session']!['steal'] = () => undefined;
    }).toThrow();
  });

  it('the bridge sends each method on its own wire channel and passes results through', async () => {
    const calls: Array<[string, unknown]> = [];
    const api = createWhootBridge({
      invoke: async (channel, payload) => {
        calls.push([channel, payload]);
        return { ok: true, value: { name: 'whoot', version: '1', platform: 'linux' } };
      },
      subscribe: () => () => undefined,
    });
    expect(await api.app.info()).toEqual({ ok: true, value: { name: 'whoot', version: '1', platform: 'linux' } });
    expect(calls).toEqual([['whoot:app.info', {}]]);
  });

  it('the bridge turns a transport failure into an error result without leaking its text', async () => {
    const api = createWhootBridge({
      invoke: async () => {
        throw new Error('Error invoking remote method: /home/secret/path');
      },
      subscribe: () => () => undefined,
    });
    const result = await api.session.status();
    expect(result).toEqual({
      ok: false,
      error: { code: 'ipc_failed', message: 'The app could not complete the request.' },
    });
  });

  it('the bridge only subscribes to contract events and drops payloads outside their schema', () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const api = createWhootBridge({
      invoke: async () => null,
      subscribe: (channel, listener) => {
        listeners.set(channel, listener);
        return () => listeners.delete(channel);
      },
    });
    const seen: unknown[] = [];
    const off = api.on('voice.dropCredentials', (payload) => seen.push(payload));
    listeners.get('whoot:voice.dropCredentials')?.({ reason: 'sign-out' });
    listeners.get('whoot:voice.dropCredentials')?.({ reason: 'because', extra: 1 });
    expect(seen).toEqual([{ reason: 'sign-out' }]);
    off();
    expect(listeners.size).toBe(0);
    expect(() => api.on('ipc.raw' as never, () => undefined)).toThrow(/unknown event/);
  });
});

describe('main refuses what the contract does not allow', () => {
  it('answers a valid call from the app page', async () => {
    const { dispatcher } = mainSide();
    expect(await dispatcher.dispatch('whoot:app.info', APP, {})).toEqual({
      ok: true,
      value: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
    });
    expect(await dispatcher.dispatch('whoot:session.status', APP, {})).toEqual({
      ok: true,
      value: { signedIn: false },
    });
  });

  it.each([
    ['an iframe of the app origin', { url: 'app://whoot/index.html', isMainFrame: false }],
    ['another origin', { url: 'https://evil.example/', isMainFrame: true }],
    ['a look-alike host', { url: 'app://whoot.evil/index.html', isMainFrame: true }],
    ['a file: page', { url: 'file:///home/user/whoot/index.html', isMainFrame: true }],
    ['a destroyed frame', { url: '', isMainFrame: true }],
  ])('refuses a call from %s before any handler runs', async (_name, sender) => {
    const { dispatcher, logs } = mainSide();
    const result = await dispatcher.dispatch('whoot:session.signOut', sender, {});
    expect(result).toEqual({
      ok: false,
      error: { code: 'forbidden_sender', message: 'This frame may not call the app.' },
    });
    expect(logs).toEqual(["ipc: refused session.signOut from a frame that is not the app's own page"]);
  });

  it('refuses channels outside the contract', async () => {
    const { dispatcher } = mainSide();
    expect(await dispatcher.dispatch('whoot:session.exportSecret', APP, {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_channel' },
    });
  });

  it.each([
    ['a string', 'sign me in'],
    ['null', null],
    [
      'unknown fields',
      {
        email: 'a@b.co',
        password: 'longenough',
        server: { host: 'a.b', port: 1, spkiPin: 'A'.repeat(43) },
        admin: true,
      },
    ],
    [
      'a bad email',
      { email: 'nope', password: 'longenough', server: { host: 'a.b', port: 443, spkiPin: 'A'.repeat(43) } },
    ],
    [
      'a port out of range',
      { email: 'a@b.co', password: 'longenough', server: { host: 'a.b', port: 70000, spkiPin: 'A'.repeat(43) } },
    ],
    [
      'a host with a path',
      { email: 'a@b.co', password: 'longenough', server: { host: 'a.b/x', port: 443, spkiPin: 'A'.repeat(43) } },
    ],
    [
      'a huge password',
      { email: 'a@b.co', password: 'x'.repeat(5000), server: { host: 'a.b', port: 443, spkiPin: 'A'.repeat(43) } },
    ],
  ])('answers an invalid payload (%s) with a clear error, not a crash', async (_name, payload) => {
    const { dispatcher } = mainSide();
    const result = await dispatcher.dispatch('whoot:session.signIn', APP, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_input');
      expect(result.error.message).toMatch(/^Invalid session\.signIn request: /);
      expect(result.error.message).not.toContain('longenough');
    }
  });

  it('contains a throwing handler and a handler that breaks the response contract', async () => {
    const { handlers } = mainSide();
    const logs: string[] = [];
    const dispatcher = registerHandlers({
      handlers: {
        ...handlers,
        'app.info': () => {
          throw new Error('disk on fire at /home/ada/.config');
        },
        'session.status': () => ({ ok: true, value: { signedIn: true } as never }),
      },
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
      log: (message) => logs.push(message),
    });
    expect(await dispatcher.dispatch('whoot:app.info', APP, {})).toEqual({
      ok: false,
      error: { code: 'internal_error', message: 'The app could not complete the request.' },
    });
    expect(await dispatcher.dispatch('whoot:session.status', APP, {})).toMatchObject({
      ok: false,
      error: { code: 'internal_error' },
    });
    expect(logs.join('\n')).not.toContain('/home/ada');
  });
});

describe('quitting waits for calls still running', () => {
  it('settled() resolves only once every call that started, including one started while waiting, has answered', async () => {
    const { handlers } = mainSide();
    const releases: (() => void)[] = [];
    const slow = () =>
      new Promise<{ ok: true; value: { name: string; version: string; platform: 'linux' } }>((resolve) =>
        releases.push(() => resolve({ ok: true, value: { name: 'whoot', version: '1', platform: 'linux' } })),
      );
    const dispatcher = registerHandlers({
      handlers: { ...handlers, 'app.info': slow },
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    await dispatcher.settled();
    const first = dispatcher.dispatch('whoot:app.info', APP, {});
    let settled = false;
    const waiting = dispatcher.settled().then(() => (settled = true));
    await Promise.resolve();
    const second = dispatcher.dispatch('whoot:app.info', APP, {});
    releases[0]!();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    releases[1]!();
    await second;
    await waiting;
    expect(settled).toBe(true);
  });
});
