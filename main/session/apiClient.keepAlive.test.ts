import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../e2e/harness/tcpProxy';
import { signUpAndIn, startTestServer, type TestServer } from '../../test/support/serverHarness';
import { createServerApi } from './apiClient';
import { ServerConnectionError } from './pinnedTls';
import { TEST_IO_TIMEOUT_MS } from '../../test/support/testDeadlines';

let t: TestServer;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;

beforeAll(async () => {
  t = await startTestServer();
  proxy = await startTcpProxy(t.server.port);
});

afterAll(async () => {
  await proxy?.close();
  await t?.close();
});

describe('API client connections', () => {
  it('reuses one pinned TLS connection for calls in a row instead of a handshake per call', async () => {
    const client = await signUpAndIn(t.server, 'keepalive');
    const api = createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS });
    const viaProxy = { host: '127.0.0.1', port: proxy.port, spkiPin: t.server.spkiPin };
    const before = proxy.accepted();
    for (let call = 0; call < 5; call += 1) {
      await api.call(viaProxy, 'listWorkspaces', { signer: client.signer });
    }
    expect(proxy.accepted() - before).toBe(1);
  });

  it('never reuses a connection for another pin: a wrong pin still fails before anything is sent', async () => {
    const client = await signUpAndIn(t.server, 'wrongpin');
    const api = createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS });
    const right = { host: '127.0.0.1', port: proxy.port, spkiPin: t.server.spkiPin };
    await api.call(right, 'listWorkspaces', { signer: client.signer });
    const wrong = { ...right, spkiPin: 'A'.repeat(43) };
    const refused = await api.call(wrong, 'listWorkspaces', { signer: client.signer }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ServerConnectionError);
    expect((refused as ServerConnectionError).code).toBe('server_key_mismatch');
  });
});
