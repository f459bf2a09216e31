import { describe, expect, it } from 'vitest';
import { base32Decode } from '../../main/server/auth/base32';
import { totpCodeAt, totpStepAt } from '../../main/server/auth/totp';
import { prepareCall, rawRequest, signedHeaders } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestServer } from '../support/serverHarness';

/**
 * Replay protections must survive a restart: the signed-request nonces and the last TOTP step per account live in
 * the store, not in process memory, so a request or a TOTP code captured just before a restart is refused just
 * after it. Found by the attack suite; fixed in 2787577.
 */

describe('replay across a restart', () => {
  it('refuses a signed request captured before the restart and replayed after it (within 60 s)', async () => {
    const t1 = await startTestServer();
    let t2: TestServer | undefined;
    try {
      const bob = await signUpAndIn(t1.server, 'bob');
      const ws = (await bob.call('createWorkspace', { body: { slug: 'replay', name: 'Replay' } })).workspace.id;
      const call = prepareCall(bob, 'createChannel', { params: { workspaceId: ws }, body: { name: 'captured' } });
      const headers = signedHeaders(bob, call);
      const request = { method: call.method, path: call.path, body: call.body, headers };
      expect((await rawRequest(t1.server, request)).status).toBe(201);
      await t1.close(false);
      t2 = await startTestServer({}, t1.dataDir);
      const replayed = await rawRequest(t2.server, request);
      const channels = await t2.server.store.forWorkspace(ws).channels.list();
      expect({ status: replayed.status, channels: channels.length }).toEqual({ status: 401, channels: 1 });
    } finally {
      await t2?.close();
    }
  });
});

describe('TOTP replay across a restart', () => {
  it('refuses, after a restart, the TOTP code that was just used before it', async () => {
    const t1 = await startTestServer();
    let t2: TestServer | undefined;
    try {
      const carol = await signUpAndIn(t1.server, 'carol');
      const seed = base32Decode((await carol.call('totpEnroll')).secret)!;
      const step = totpStepAt(Math.floor(Date.now() / 1000));
      await carol.call('totpConfirm', { body: { code: totpCodeAt(seed, step) } });
      const body = JSON.stringify({ email: carol.email, password: carol.password, totp: totpCodeAt(seed, step + 1) });
      const signIn = { method: 'POST', path: '/v1/auth/sign-in', body };
      expect((await rawRequest(t1.server, signIn)).status).toBe(200);
      expect((await rawRequest(t1.server, signIn)).status).toBe(401);
      await t1.close(false);
      t2 = await startTestServer({}, t1.dataDir);
      const replayed = await rawRequest(t2.server, signIn);
      expect(replayed.status).toBe(401);
    } finally {
      await t2?.close();
    }
  });
});
