import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE_CODES } from '../../shared/ws';
import { connectSocket, expectError, signedCall } from '../support/rawServerClient';
import { signIn, signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * The admin console's server side over real HTTPS: removing members, listing and revoking invites, the caller's
 * own sessions, and the audit log with the chain's verification. Each refusal is checked with the state it must
 * leave as it was.
 */

let t: TestServer;
let owner: TestClient;
let admin: TestClient;
let member: TestClient;
let outsider: TestClient;
let workspaceId: string;
let otherWorkspace: string;

async function enrol(client: TestClient, role: 'admin' | 'member') {
  const invite = await owner.call('createInvite', { params: { workspaceId }, body: { role } });
  await client.call('acceptInvite', { body: { code: invite.code } });
}

beforeAll(async () => {
  t = await startTestServer();
  [owner, admin, member, outsider] = await Promise.all([
    signUpAndIn(t.server, 'olga'),
    signUpAndIn(t.server, 'adam'),
    signUpAndIn(t.server, 'mia'),
    signUpAndIn(t.server, 'otto'),
  ]);
  workspaceId = (await owner.call('createWorkspace', { body: { slug: 'admin', name: 'Admin' } })).workspace.id;
  otherWorkspace = (await outsider.call('createWorkspace', { body: { slug: 'elsewhere', name: 'E' } })).workspace.id;
  await enrol(admin, 'admin');
  await enrol(member, 'member');
});
afterAll(async () => {
  await t?.close();
});

async function state() {
  const scope = t.server.store.forWorkspace(workspaceId);
  return { members: await scope.members.list(), invites: await scope.invites.list() };
}

describe('members', () => {
  it('refuses what roles do not allow, and nothing changes', async () => {
    const before = await state();
    expectError(
      await signedCall(t.server, member, 'removeMember', { params: { workspaceId, userId: admin.user.id } }),
      403,
      'forbidden',
    );
    expectError(
      await signedCall(t.server, admin, 'removeMember', { params: { workspaceId, userId: owner.user.id } }),
      403,
      'forbidden',
    );
    expectError(
      await signedCall(t.server, owner, 'removeMember', { params: { workspaceId, userId: owner.user.id } }),
      409,
      'cannot_remove_self',
    );
    const foreign = await signedCall(t.server, outsider, 'removeMember', {
      params: { workspaceId, userId: member.user.id },
    });
    const unknown = await signedCall(t.server, outsider, 'removeMember', {
      params: { workspaceId: randomUUID(), userId: member.user.id },
    });
    expectError(foreign, 404, 'not_found');
    expect(foreign.json).toEqual(unknown.json);
    expect(await state()).toEqual(before);
  });

  it('refuses every role change by an admin, up or down, and nothing changes', async () => {
    const before = await state();
    const attempts = [
      [member.user.id, 'admin'],
      [admin.user.id, 'owner'],
      [owner.user.id, 'member'],
      [member.user.id, 'member'],
    ] as const;
    for (const [userId, role] of attempts) {
      expectError(
        await signedCall(t.server, admin, 'setMemberRole', { params: { workspaceId, userId }, body: { role } }),
        403,
        'forbidden',
      );
    }
    expect(await state()).toEqual(before);
  });

  it('an admin removes a member: gone from the list, their socket closed, the removal audited', async () => {
    const extra = await signUpAndIn(t.server, 'max');
    const invite = await owner.call('createInvite', { params: { workspaceId }, body: { role: 'member' } });
    await extra.call('acceptInvite', { body: { code: invite.code } });
    const { socket } = await connectSocket(t.server, extra, workspaceId);
    await admin.call('removeMember', { params: { workspaceId, userId: extra.user.id } });
    expect((await socket.closed).code).toBe(WS_CLOSE_CODES.removedFromWorkspace);
    const members = await owner.call('listMembers', { params: { workspaceId } });
    expect(members.members.map((m) => m.userId)).not.toContain(extra.user.id);
    const { entries, people } = await owner.call('auditLog', { params: { workspaceId } });
    expect(entries[0]).toMatchObject({
      type: 'member.removed',
      actorUserId: admin.user.id,
      details: { userId: extra.user.id },
    });
    // The page names whom it mentions, the removed member too: the member list no longer can.
    const named = new Map(people.map((person) => [person.userId, person.displayName]));
    expect(named.get(admin.user.id)).toBe(admin.user.displayName);
    expect(named.get(extra.user.id)).toBe(extra.user.displayName);
    expect(named.has(outsider.user.id)).toBe(false);
    expectError(await signedCall(t.server, extra, 'listChannels', { params: { workspaceId } }), 404, 'not_found');
  });
});

describe('invites', () => {
  it('lets nobody but an owner hand out a role as high as their own: no admin invites from admins', async () => {
    const audit = async () => (await t.server.store.audit.head()).seq;
    const before = { ...(await state()), audit: await audit() };
    expectError(
      await signedCall(t.server, admin, 'createInvite', {
        params: { workspaceId },
        body: { role: 'admin', maxUses: 50 },
      }),
      403,
      'forbidden',
    );
    for (const role of ['member', 'admin'] as const) {
      expectError(
        await signedCall(t.server, member, 'createInvite', { params: { workspaceId }, body: { role } }),
        403,
        'forbidden',
      );
    }
    expect({ ...(await state()), audit: await audit() }).toEqual(before);
    // The controls: an admin invites members, an owner invites admins.
    expect((await signedCall(t.server, admin, 'createInvite', { params: { workspaceId }, body: {} })).status).toBe(201);
    const byOwner = await signedCall(t.server, owner, 'createInvite', {
      params: { workspaceId },
      body: { role: 'admin' },
    });
    expect(byOwner.status).toBe(201);
    expect((await state()).invites.slice(-2).map((invite) => invite.role)).toEqual(['member', 'admin']);
  });

  it('lists invites with their uses and revokes one, which then no longer works', async () => {
    const invite = await admin.call('createInvite', { params: { workspaceId }, body: { maxUses: 3 } });
    const { invites } = await admin.call('listInvites', { params: { workspaceId } });
    const listed = invites.at(-1);
    expect(listed).toMatchObject({ role: 'member', maxUses: 3, uses: 0, createdBy: admin.user.id, revokedAt: null });
    expectError(await signedCall(t.server, member, 'listInvites', { params: { workspaceId } }), 403, 'forbidden');
    const before = await state();
    expectError(
      await signedCall(t.server, outsider, 'revokeInvite', { params: { workspaceId, inviteId: listed?.id ?? '' } }),
      404,
      'not_found',
    );
    expectError(
      await signedCall(t.server, outsider, 'revokeInvite', {
        params: { workspaceId: otherWorkspace, inviteId: listed?.id ?? '' },
      }),
      404,
      'not_found',
    );
    expect(await state()).toEqual(before);

    await admin.call('revokeInvite', { params: { workspaceId, inviteId: listed?.id ?? '' } });
    const late = await signUpAndIn(t.server, 'late');
    expectError(
      await signedCall(t.server, late, 'acceptInvite', { body: { code: invite.code } }),
      404,
      'invite_invalid',
    );
  });
});

describe('sessions', () => {
  it("lists the caller's sessions, revokes another one (its requests then fail) but not the current one", async () => {
    const laptop = await signIn(t.server, member.email, member.password);
    const { sessions } = await member.call('listSessions');
    expect(sessions.find((s) => s.id === member.grant.id)?.current).toBe(true);
    expect(sessions.find((s) => s.id === laptop.grant.id)?.current).toBe(false);

    // Someone else's session id answers like one that does not exist, and keeps working.
    const theirs = await signedCall(t.server, outsider, 'revokeSession', { params: { sessionId: laptop.grant.id } });
    const random = await signedCall(t.server, outsider, 'revokeSession', {
      params: { sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    });
    expectError(theirs, 404, 'not_found');
    expect(theirs.json).toEqual(random.json);
    expect((await laptop.call('listWorkspaces')).workspaces).toHaveLength(1);

    expectError(
      await signedCall(t.server, member, 'revokeSession', { params: { sessionId: member.grant.id } }),
      409,
      'current_session',
    );
    await member.call('revokeSession', { params: { sessionId: laptop.grant.id } });
    expectError(await signedCall(t.server, laptop, 'listWorkspaces'), 401, 'unknown_session');
    const refreshed = await signedCall(t.server, laptop, 'refresh', {
      body: { refreshToken: laptop.grant.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    expect((await member.call('listSessions')).sessions.map((s) => s.id)).not.toContain(laptop.grant.id);
  });
});

describe('audit log', () => {
  it('records who created and deleted a channel, with its name (the id alone says nothing once it is gone)', async () => {
    const { channel } = await admin.call('createChannel', { params: { workspaceId }, body: { name: 'standup' } });
    await admin.call('deleteChannel', { params: { workspaceId, channelId: channel.id } });
    const { entries } = await owner.call('auditLog', { params: { workspaceId } });
    const [deleted, created] = entries.filter((entry) => entry.type.startsWith('channel.'));
    expect(deleted).toMatchObject({
      type: 'channel.deleted',
      actorUserId: admin.user.id,
      details: { channelId: channel.id, name: 'standup' },
    });
    expect(created).toMatchObject({
      type: 'channel.created',
      actorUserId: admin.user.id,
      details: { channelId: channel.id, name: 'standup', kind: 'voice' },
    });
    // A member cannot delete one, and nothing is recorded for the refusal.
    const { channel: kept } = await owner.call('createChannel', { params: { workspaceId }, body: { name: 'kept' } });
    const head = (await t.server.store.audit.head()).seq;
    expectError(
      await signedCall(t.server, member, 'deleteChannel', { params: { workspaceId, channelId: kept.id } }),
      403,
      'forbidden',
    );
    expect((await t.server.store.audit.head()).seq).toBe(head);
  });

  it('shows admins the newest entries and a verified chain; members get 403; a tampered chain is reported', async () => {
    const { entries, chain } = await admin.call('auditLog', { params: { workspaceId } });
    expect(entries.length).toBeGreaterThan(3);
    expect(entries[0]?.seq).toBeGreaterThan(entries[1]?.seq ?? Infinity);
    expect(chain).toEqual({ ok: true, entries: expect.any(Number), headSeq: expect.any(Number) });
    expectError(await signedCall(t.server, member, 'auditLog', { params: { workspaceId } }), 403, 'forbidden');
    const foreign = await signedCall(t.server, outsider, 'auditLog', { params: { workspaceId } });
    expectError(foreign, 404, 'not_found');

    // An attacker with the database edits an entry (getting past the append-only triggers first).
    const raw = await t.rawStore();
    try {
      await raw.run(
        raw.backend === 'sqlite' ? 'DROP TRIGGER audit_log_no_update' : 'DROP TRIGGER audit_log_no_update ON audit_log',
      );
      await raw.run('UPDATE audit_log SET details = \'{"forged":true}\' WHERE seq = ?', entries.at(-1)?.seq);
    } finally {
      await raw.close();
    }
    const after = await admin.call('auditLog', { params: { workspaceId } });
    expect(after.chain).toEqual({ ok: false, seq: entries.at(-1)?.seq, reason: 'hash_mismatch' });
  });
});
