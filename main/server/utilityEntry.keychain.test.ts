/**
 * The in-app server's default data key home, for real: keytar against gnome-keyring on a private D-Bus session
 * (test/with-keyring.sh, `npm run test:keychain`). Nothing is injected: the entry opens the OS keychain itself.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterAll, describe, expect, it } from 'vitest';
import { REFRESH_TOKEN_ACCOUNT } from '../session/keychainStore';
import { keychainServiceForSecret } from './keychainSecretStore';
import { serveParentPort, type ParentPortLike } from './utilityEntry';
import { fromServerSchema, type FromServerMessage } from './utilityProtocol';

const dataDir = mkdtempSync(join(tmpdir(), 'whoot-utility-keychain-'));
const service = keychainServiceForSecret('whoot-server-data-keys');
afterAll(async () => {
  await keytar.deletePassword(service, REFRESH_TOKEN_ACCOUNT);
  rmSync(dataDir, { recursive: true, force: true });
});

async function runOnce(): Promise<string> {
  const received: FromServerMessage[] = [];
  let listener: (event: { data: unknown }) => void = () => undefined;
  let wake: () => void = () => undefined;
  const port: ParentPortLike = {
    on: (_event, l) => (listener = l),
    postMessage: (message) => {
      received.push(fromServerSchema.parse(message));
      wake();
    },
  };
  const done = serveParentPort(port);
  listener({
    data: {
      type: 'start',
      config: { dataDir, listen: { host: '127.0.0.1', port: 0 }, relay: { udpPort: 0, tcpPort: 0 } },
    },
  });
  let outcome: FromServerMessage | undefined;
  while ((outcome = received.find((m) => m.type === 'ready' || m.type === 'error')) === undefined) {
    await new Promise<void>((resolve) => (wake = resolve));
  }
  listener({ data: { type: 'stop' } });
  await done;
  if (outcome.type !== 'ready') throw new Error(`did not start: ${JSON.stringify(outcome)}`);
  return outcome.spkiPin;
}

describe('the utility-process server with the real OS keychain', () => {
  it('creates the data key in the keychain, never in a file, and reopens the same data with it', async () => {
    expect(await keytar.getPassword(service, REFRESH_TOKEN_ACCOUNT)).toBeNull();
    const pin = await runOnce();
    expect(await keytar.getPassword(service, REFRESH_TOKEN_ACCOUNT)).toMatch(/^v1\./);
    expect(readdirSync(dataDir)).not.toContain('data-keys');
    expect(await runOnce()).toBe(pin);
  });
});
