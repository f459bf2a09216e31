import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCertificate } from '../../main/server/http/certificate';
import { startFrontDoor, type FrontDoor } from '../support/cluster/haproxy';
import { freePort } from '../support/freePort';
import { createServerApi } from '../../main/session/apiClient';
import { ON_ONE_NODE, startTestServer, type TestServer } from '../support/serverHarness';

/**
 * The front door as clients meet it: HAProxy (Debian's 2.6) in TCP mode, TLS passing through to two nodes that
 * hold the same key, so the invite's pin matches whichever node answers; nodes enter rotation when their
 * `/v1/ready` says 200 over TLS, and a node that drains leaves it without a client request failing.
 */

let dir: string;
let nodes: TestServer[];
let door: FrontDoor;
let pin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'whoot-front-door-'));
  // The cluster's one certificate and key, as an operator distributes them to every node (docs/scale-out.md).
  const shared = await loadOrCreateCertificate({ dataDir: dir, hostnames: ['127.0.0.1'] });
  pin = shared.spkiPin;
  const tls = { certFile: join(dir, 'tls', 'server-cert.pem'), keyFile: join(dir, 'tls', 'server-key.pem') };
  const port = await freePort();
  nodes = await Promise.all([0, 1].map(() => startTestServer({ tls, publicPort: port, relay: { enabled: false } })));
  door = await startFrontDoor({
    dir,
    config: {
      bind: { host: '127.0.0.1', port },
      nodes: nodes.map((node, i) => ({ name: `node${i + 1}`, host: '127.0.0.1', port: node.server.port })),
      check: { intervalMs: 200, fall: 1, rise: 1 },
    },
  });
  await door.waitForUp(2);
}, 60_000);

afterAll(async () => {
  await door?.stop();
  for (const node of nodes ?? []) await node.close();
  rmSync(dir, { recursive: true, force: true });
});

const through = () => ({ host: '127.0.0.1', port: door.port, spkiPin: pin });
/** A client of its own per call: the API client keeps its connection alive, and that would stay on one node. */
const freshApi = () => createServerApi({ timeoutMs: 5_000 });

// Builds its own HAProxy in front of single nodes: under the cluster target those would be clusters themselves.
describe.skipIf(!ON_ONE_NODE)('the front door', () => {
  it('passes TLS through: the pinned client reaches every node under the one key, spread over both', async () => {
    expect(nodes.map((node) => node.server.spkiPin)).toEqual([pin, pin]);
    const before = await door.nodes();
    for (let i = 0; i < 12; i++) {
      await expect(freshApi().call(through(), 'health', {})).resolves.toStrictEqual({ status: 'ok' });
    }
    const after = await door.nodes();
    const served = after.map((node, i) => node.totalSessions - (before[i]?.totalSessions ?? 0));
    expect(served.every((count) => count > 0)).toBe(true);
  });

  it('refuses a client that pins another key, whichever node answers', async () => {
    await expect(freshApi().call({ ...through(), spkiPin: 'A'.repeat(43) }, 'health', {})).rejects.toMatchObject({
      code: 'server_key_mismatch',
    });
  });

  it('takes a draining node out of rotation while every request through the door still succeeds', async () => {
    const [first] = nodes;
    const draining = first!.server.drain(10_000);
    // No request fails meanwhile: a refused connection is retried on the other node (option redispatch).
    for (let i = 0; i < 20; i++) {
      await expect(freshApi().call(through(), 'serverInfo', {})).resolves.toMatchObject({ registration: 'open' });
    }
    expect(await draining).toBe(true);
    await expect
      .poll(async () => (await door.nodes()).find((node) => node.name === 'node1')?.status, { timeout: 30_000 })
      .toMatch(/DOWN/);
    expect((await door.nodes()).find((node) => node.name === 'node2')?.status).toBe('UP');
  });

  it('still reaches the nodes when none is ready, so clients read their 503 instead of a closed connection', async () => {
    // node1 drained above; node2's database goes away now: no node passes its check.
    await nodes[1]!.server.store.close();
    await expect
      .poll(async () => (await door.nodes()).map((node) => node.status).join(','), { timeout: 30_000 })
      .toMatch(/^DOWN.*,DOWN/);
    await expect(freshApi().call(through(), 'ready', {})).rejects.toMatchObject({ code: 'not_ready', status: 503 });
    // What needs no database still answers, through the unchecked fallback entries.
    await expect(freshApi().call(through(), 'serverInfo', {})).resolves.toMatchObject({ registration: 'open' });
  });
});
