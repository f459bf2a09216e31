import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../../shared/deepLink';
import { ApiError } from '../session/apiClient';
import { generateSessionId } from './auth/sessionTokens';
import { relaySecretText } from './auth/turnCredentials';
import { createMintedTurnTestClient, createTurnTestClient } from './turn/testing/turnTestClient';
import {
  api,
  EPHEMERAL_RELAY,
  signUpAndIn,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../../test/support/serverHarness';

let t: TestServer;
let first: TestClient | undefined;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const rejects = async (promise: Promise<unknown>, status: number, code: string) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status, code });
};

describe('the bundled server over real HTTPS', () => {
  it('makes the first account the server owner, and later ones not', async () => {
    const owner = await signUpAndIn(t.server, 'owner');
    first = owner;
    const second = await signUpAndIn(t.server, 'second');
    expect(owner.serverOwner).toBe(true);
    expect(second.serverOwner).toBe(false);
  });

  it('runs workspace, invite, channel, credential and ticket flows with signed requests', async () => {
    const ada = await signUpAndIn(t.server);
    const { workspace } = await ada.call('createWorkspace', { body: { slug: `team-${Date.now()}`, name: 'Team' } });
    expect(workspace.role).toBe('owner');
    const { channel } = await ada.call('createChannel', {
      params: { workspaceId: workspace.id },
      body: { name: 'General' },
    });
    expect(channel.relayOnly).toBe(true);

    const invite = await ada.call('createInvite', { params: { workspaceId: workspace.id }, body: { maxUses: 1 } });
    const parsed = parseDeepLink(invite.link);
    expect(parsed.ok && parsed.value.invite).toMatchObject({
      host: '127.0.0.1',
      port: t.server.port,
      spkiPin: t.server.spkiPin,
    });

    const bob = await signUpAndIn(t.server);
    await rejects(bob.call('listChannels', { params: { workspaceId: workspace.id } }), 404, 'not_found');
    const joined = await bob.call('acceptInvite', { body: { code: invite.code } });
    expect(joined.workspace).toMatchObject({ id: workspace.id, role: 'member' });
    const carol = await signUpAndIn(t.server);
    await rejects(carol.call('acceptInvite', { body: { code: invite.code } }), 404, 'invite_invalid');

    expect((await bob.call('listChannels', { params: { workspaceId: workspace.id } })).channels).toEqual([channel]);
    const members = await bob.call('listMembers', { params: { workspaceId: workspace.id } });
    expect(members.members.map((m) => m.role).sort()).toEqual(['member', 'owner']);
    await rejects(
      bob.call('createChannel', { params: { workspaceId: workspace.id }, body: { name: 'x' } }),
      403,
      'forbidden',
    );

    const credentials = await bob.call('voiceCredentials', { body: { channelId: channel.id } });
    expect(credentials.iceTransportPolicy).toBe('relay');
    expect(credentials.clusterId).toBe('local');
    const [username] = [credentials.iceServers[0]!.username];
    expect(username).toBe(`${credentials.expiresAt}:${bob.user.id}:${bob.grant.id}`);
    const udpPort = t.server.relay!.addresses.udp!.port;
    expect(credentials.iceServers[0]!.urls).toContain(`turn:127.0.0.1:${udpPort}?transport=udp`);

    const ticket = await bob.call('wsTicket', { body: { workspaceId: workspace.id } });
    expect(ticket.path).toBe('/v1/ws');
    await rejects(carol.call('wsTicket', { body: { workspaceId: workspace.id } }), 404, 'not_found');
    await rejects(carol.call('voiceCredentials', { body: { channelId: channel.id } }), 404, 'not_found');

    // Multi-id paths: the signature covers workspace and user (or channel) together.
    await ada.call('setMemberRole', {
      params: { workspaceId: workspace.id, userId: bob.user.id },
      body: { role: 'admin' },
    });
    const promoted = await ada.call('listMembers', { params: { workspaceId: workspace.id } });
    expect(promoted.members.find((m) => m.userId === bob.user.id)?.role).toBe('admin');
    await bob.call('deleteChannel', { params: { workspaceId: workspace.id, channelId: channel.id } });
    expect((await ada.call('listChannels', { params: { workspaceId: workspace.id } })).channels).toEqual([]);

    const audit = await t.server.store.audit.verify();
    expect(audit.ok).toBe(true);
  });

  it('server-minted TURN credentials allocate on the embedded relay, and sign-out ends the allocation at once', async () => {
    const ada = await signUpAndIn(t.server);
    const { workspace } = await ada.call('createWorkspace', { body: { slug: `relay-${Date.now()}`, name: 'Relay' } });
    const { channel } = await ada.call('createChannel', { params: { workspaceId: workspace.id }, body: { name: 'V' } });
    const { iceServers } = await ada.call('voiceCredentials', { body: { channelId: channel.id } });
    const relay = t.server.relay!;
    const client = await createTurnTestClient({
      server: { host: '127.0.0.1', port: relay.addresses.udp!.port },
      username: iceServers[0]!.username,
      password: iceServers[0]!.credential,
    });
    try {
      const allocated = await client.allocate();
      expect(allocated.relayed).not.toBeNull();
      expect(relay.stats().allocations.active).toBeGreaterThanOrEqual(1);
      const before = relay.stats().allocations.active;
      // The owner of this server (the first account, from the first test) sees the counters; others get 403.
      const stats = await first!.call('adminStats');
      expect(stats.relay).toMatchObject({ allocations: { active: before } });
      await rejects(ada.call('adminStats'), 403, 'forbidden');
      await ada.call('signOut');
      expect(relay.stats().allocations.active).toBe(before - 1);
      // The session is gone: the same credentials cannot allocate again.
      const again = await createTurnTestClient({
        server: { host: '127.0.0.1', port: relay.addresses.udp!.port },
        username: iceServers[0]!.username,
        password: iceServers[0]!.credential,
      });
      try {
        expect((await again.allocate()).answer.errorCode).toBe(401);
      } finally {
        await again.close();
      }
    } finally {
      await client.close();
    }
  });

  it('rotates the refresh token and revokes the family when an old one comes back', async () => {
    const ada = await signUpAndIn(t.server);
    const address = { host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin };
    const first = await api.call(address, 'refresh', { body: { refreshToken: ada.grant.refreshToken } });
    const second = await api.call(address, 'refresh', { body: { refreshToken: first.session.refreshToken } });
    expect(second.session.id).not.toBe(first.session.id);
    await rejects(
      api.call(address, 'refresh', { body: { refreshToken: ada.grant.refreshToken } }),
      401,
      'invalid_refresh_token',
    );
    // Reuse revoked the whole family: the newest token is dead too.
    await rejects(
      api.call(address, 'refresh', { body: { refreshToken: second.session.refreshToken } }),
      401,
      'invalid_refresh_token',
    );
  });

  it('signs out: the session stops working at once', async () => {
    const ada = await signUpAndIn(t.server);
    await ada.call('listWorkspaces');
    await ada.call('signOut');
    await rejects(ada.call('listWorkspaces'), 401, 'unknown_session');
  });

  it('answers a wrong password and an unknown account the same way', async () => {
    const ada = await signUpAndIn(t.server);
    const address = { host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin };
    await rejects(
      api.call(address, 'signIn', { body: { email: ada.email, password: 'not the password' } }),
      401,
      'invalid_credentials',
    );
    await rejects(
      api.call(address, 'signIn', { body: { email: 'nobody@example.com', password: 'not the password' } }),
      401,
      'invalid_credentials',
    );
  });
});

describe('the embedded relay', () => {
  it('allocates only for a live session of the user the username names', async () => {
    const relay = t.server.relay!;
    const secret = relaySecretText(await t.server.store.secrets.relaySecret());
    const ada = await signUpAndIn(t.server);
    const bob = await signUpAndIn(t.server);
    const allocateAs = async (userId: string, sessionId: string) => {
      const client = await createMintedTurnTestClient({ server: relay.addresses.udp!, secret, userId, sessionId });
      try {
        return await client.allocate();
      } finally {
        await client.close();
      }
    };
    const before = relay.stats().allocations.created;
    // Valid HMACs all: a leaked secret, not a session, is all these have behind them.
    expect((await allocateAs(bob.user.id, ada.grant.id)).answer.errorCode).toBe(401);
    expect((await allocateAs(randomUUID(), ada.grant.id)).answer.errorCode).toBe(401);
    expect((await allocateAs(ada.user.id, generateSessionId())).answer.errorCode).toBe(401);
    expect(relay.stats().allocations.created).toBe(before);
    expect((await allocateAs(ada.user.id, ada.grant.id)).relayed).not.toBeNull();
  });

  it('holds nonces to relay.nonceTtlSeconds from the server config: valid before it, 438 after', async () => {
    let clock = Date.now();
    const server = await startTestServer({ relay: { ...EPHEMERAL_RELAY, nonceTtlSeconds: 40 } }, undefined, {
      now: () => clock,
    });
    try {
      const ada = await signUpAndIn(server.server);
      const client = await createMintedTurnTestClient({
        server: server.server.relay!.addresses.udp!,
        secret: relaySecretText(await server.server.store.secrets.relaySecret()),
        userId: ada.user.id,
        sessionId: ada.grant.id,
        mintedAt: clock,
      });
      try {
        expect((await client.allocate()).relayed).not.toBeNull();
        clock += 39_000;
        expect((await client.refresh(600)).errorCode).toBeNull();
        clock += 2_000;
        expect((await client.refresh(600)).errorCode).toBe(438);
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
    }
  });
});
