import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EPHEMERAL_RELAY, startTestServer, withSfu } from '../support/serverHarness';

/*
 * The server refuses to start SFU mode where it could not keep its promises, says why, and starts nothing: no Janus
 * (no `janus` folder in the data directory), no listener.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-sfu-startup-'));
  dirs.push(dir);
  return dir;
}

describe('starting with sfu.enabled', () => {
  it('refuses a mesh line its relay quota cannot carry: a member needs one allocation per other member and TURN URL', async () => {
    // A quota set below the line's need (the default, 40, fits a line of up to 21 members on UDP and TCP).
    const sfuWith = (sfu: Parameters<typeof withSfu>[0]) => {
      const config = withSfu(sfu);
      return { ...config, relay: { ...config.relay, maxAllocationsPerUser: 10 } };
    };
    const tooBig = sfuWith({ enabled: true, meshMaxMembers: 8 });
    const dir = freshDir();
    await expect(startTestServer(tooBig, dir)).rejects.toThrow(
      /sfu.meshMaxMembers 8 needs 14 relay allocations per member .* relay.maxAllocationsPerUser \(10\)/,
    );
    expect(existsSync(join(dir, 'janus'))).toBe(false);

    // A TLS port is a third TURN URL: the default line (6) then needs 15.
    const withTls = sfuWith({ enabled: true });
    const tlsDir = freshDir();
    await expect(startTestServer({ ...withTls, relay: { ...withTls.relay, tlsPort: 0 } }, tlsDir)).rejects.toThrow(
      /needs 15 relay allocations/,
    );
    expect(existsSync(join(tlsDir, 'janus'))).toBe(false);
  });

  it('starts when the quota fits the line (the control for the refusal above)', async () => {
    const fits = withSfu({ enabled: true, meshMaxMembers: 8 });
    const t = await startTestServer({ ...fits, relay: { ...fits.relay, maxAllocationsPerUser: 14 } }, freshDir());
    try {
      expect(t.server.sfu?.available()).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('refuses a loopback relayed address, which Janus could never reach', async () => {
    const dir = freshDir();
    await expect(
      startTestServer({ sfu: { enabled: true }, relay: { ...EPHEMERAL_RELAY, relayIp: '127.0.0.1' } }, dir),
    ).rejects.toThrow(/Janus cannot reach \(it never uses loopback\)/);
    expect(existsSync(join(dir, 'janus'))).toBe(false);
  });
});
