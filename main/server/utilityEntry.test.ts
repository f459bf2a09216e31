import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spkiPinOf } from '../crypto/spkiPin';
import { LOCK_FILE_NAME } from './dataDirLock';
import type { SecretStore } from './store';
import { serveParentPort, type ParentPortLike } from './utilityEntry';
import { fromServerSchema, type FromServerMessage } from './utilityProtocol';
import { EPHEMERAL_RELAY } from '../../test/support/serverHarness';

/** Electron's process.parentPort as far as the entry uses it: 'message' events carrying `data`, and postMessage. */
function fakeParentPort() {
  const listeners: ((event: { data: unknown }) => void)[] = [];
  const received: FromServerMessage[] = [];
  const waiters: (() => void)[] = [];
  const port: ParentPortLike = {
    on(_event, listener) {
      listeners.push(listener);
    },
    postMessage(message) {
      // Everything the child sends must pass the schema the parent (main/app/bundledServer.ts) parses with.
      received.push(fromServerSchema.parse(message));
      for (const wake of waiters.splice(0)) wake();
    },
  };
  return {
    port,
    received,
    send: (data: unknown) => listeners.forEach((listener) => listener({ data })),
    /** The next message of this type (not a log line) after `from`. */
    async next<T extends FromServerMessage['type']>(
      type: T,
      from = 0,
    ): Promise<Extract<FromServerMessage, { type: T }>> {
      for (;;) {
        const found = received.slice(from).find((m) => m.type === type);
        if (found) return found as Extract<FromServerMessage, { type: T }>;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

function memorySecretStore(): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (name) => entries.get(name) ?? null,
    set: async (name, value) => void entries.set(name, value),
  };
}

const presentedPin = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(spkiPinOf(socket.getPeerX509Certificate()!.raw));
      socket.end();
    });
    socket.on('error', reject);
  });

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve('connected'));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'whoot-utility-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const config = () => ({ dataDir, listen: { host: '127.0.0.1', port: 0 }, relay: EPHEMERAL_RELAY });

describe('the utility-process server entry', () => {
  it('starts on start, reports ready with port and pin, keeps the data key in the keychain, stops on stop', async () => {
    const parent = fakeParentPort();
    const secrets = memorySecretStore();
    let stoppedCalls = 0;
    const done = serveParentPort(parent.port, {
      openSecretStore: async () => secrets,
      onStopped: () => (stoppedCalls += 1),
    });
    parent.send({ type: 'start', config: config() });
    const ready = await parent.next('ready');
    expect(ready.port).toBeGreaterThan(0);
    expect(await presentedPin(ready.port)).toBe(ready.spkiPin);
    expect(parent.received.some((m) => m.type === 'log' && m.message.includes('listening on'))).toBe(true);

    // In-app the data key lives in the keychain: the entry exists and no key file was written beside the data.
    expect([...secrets.entries.keys()]).toEqual(['whoot-server-data-keys']);
    expect(readdirSync(dataDir)).not.toContain('data-keys');
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);

    parent.send({ type: 'stop' });
    await done;
    expect(parent.received.at(-1)).toEqual({ type: 'stopped' });
    expect(stoppedCalls).toBe(1);
    expect(await refused(ready.port)).toBe('ECONNREFUSED');
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);

    // A second run with the same keychain opens the same data under the same key and TLS identity.
    const again = fakeParentPort();
    const doneAgain = serveParentPort(again.port, { openSecretStore: async () => secrets });
    again.send({ type: 'start', config: config() });
    expect((await again.next('ready')).spkiPin).toBe(ready.spkiPin);
    again.send({ type: 'stop' });
    await doneAgain;
  });

  it('reports an invalid config as an error message, and can start after it', async () => {
    const parent = fakeParentPort();
    const done = serveParentPort(parent.port, { openSecretStore: async () => memorySecretStore() });
    parent.send({ type: 'start', config: { dataDir, listen: { port: 'eighty' } } });
    expect((await parent.next('error')).message).toMatch(/Invalid server configuration: listen\.port/);
    const mark = parent.received.length;
    parent.send({ type: 'start', config: config() });
    await parent.next('ready', mark);
    parent.send({ type: 'start', config: config() });
    expect((await parent.next('error', mark)).message).toBe('The server is already running.');
    parent.send({ type: 'stop' });
    await done;
  });

  it('reports a keychain that does not answer, without starting', async () => {
    const parent = fakeParentPort();
    const done = serveParentPort(parent.port, {
      openSecretStore: async () => {
        throw new Error('The server keeps its data key in the OS keychain, and none answered: no D-Bus');
      },
    });
    parent.send({ type: 'start', config: config() });
    expect((await parent.next('error')).message).toContain('none answered: no D-Bus');
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
    parent.send({ type: 'stop' });
    await done;
  });

  it('logs and ignores messages of unknown shape', async () => {
    const parent = fakeParentPort();
    const done = serveParentPort(parent.port, { openSecretStore: async () => memorySecretStore() });
    parent.send({ type: 'start' });
    parent.send('stop');
    parent.send({ type: 'stop', extra: true });
    parent.send({ type: 'stop' });
    await done;
    expect(parent.received.filter((m) => m.type === 'log')).toHaveLength(3);
    expect(parent.received.at(-1)).toEqual({ type: 'stopped' });
  });

  it('closes a server whose stop arrived while it was still starting', async () => {
    const parent = fakeParentPort();
    const done = serveParentPort(parent.port, { openSecretStore: async () => memorySecretStore() });
    parent.send({ type: 'start', config: config() });
    parent.send({ type: 'stop' });
    await done;
    const ready = await parent.next('ready');
    expect(parent.received.at(-1)).toEqual({ type: 'stopped' });
    expect(await refused(ready.port)).toBe('ECONNREFUSED');
  });
});
