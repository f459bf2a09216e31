import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, signedCall } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Nobody hands out a role as high as their own unless they are an owner: an admin may invite members, not admins,
 * and cannot change roles at all. Each refusal leaves invites, roles and the audit log as they were.
 */

let t: TestServer;
let owner: TestClient;
let admin: TestClient;
let member: TestClient;
let workspaceId: string;

async function join(client: TestClient, role: 'admin' | 'member') {
  const invite = await owner.call('createInvite', { params: { workspaceId }, body: { role } });
  await client.call('acceptInvite', { body: { code: invite.code } });
}

beforeAll(async () => {
  t = await startTestServer();
  [owner, admin, member] = await Promise.all([
    signUpAndIn(t.server, 'olga'),
    signUpAndIn(t.server, 'adam'),
    signUpAndIn(t.server, 'mia'),
  ]);
  workspaceId = (await owner.call('createWorkspace', { body: { slug: 'grants', name: 'Grants' } })).workspace.id;
  await join(admin, 'admin');
  await join(member, 'member');
});
afterAll(async () => {
  await t?.close();
});

async function state() {
  const scope = t.server.store.forWorkspace(workspaceId);
  return {
    invites: await scope.invites.list(),
    roles: (await scope.members.list()).map((m) => [m.userId, m.role]),
    audit: (await t.server.store.audit.head()).seq,
  };
}

describe('invites', () => {
  it('refuses an admin invite minted by an admin, and nothing is created', async () => {
    const before = await state();
    const response = await signedCall(t.server, admin, 'createInvite', {
      params: { workspaceId },
      body: { role: 'admin', maxUses: 50 },
    });
    expectError(response, 403, 'forbidden');
    expect(await state()).toEqual(before);
  });

  it('lets an admin invite members and an owner invite admins (the controls)', async () => {
    const byAdmin = await signedCall(t.server, admin, 'createInvite', { params: { workspaceId }, body: {} });
    expect(byAdmin.status).toBe(201);
    const byOwner = await signedCall(t.server, owner, 'createInvite', {
      params: { workspaceId },
      body: { role: 'admin' },
    });
    expect(byOwner.status).toBe(201);
    const roles = (await t.server.store.forWorkspace(workspaceId).invites.list()).slice(-2).map((i) => i.role);
    expect(roles).toEqual(['member', 'admin']);
  });

  it('refuses any invite from a member', async () => {
    const before = await state();
    for (const role of ['member', 'admin'] as const) {
      expectError(
        await signedCall(t.server, member, 'createInvite', { params: { workspaceId }, body: { role } }),
        403,
        'forbidden',
      );
    }
    expect(await state()).toEqual(before);
  });
});

describe('role changes', () => {
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

  it('lets an owner raise a member to admin and an admin to owner', async () => {
    await owner.call('setMemberRole', { params: { workspaceId, userId: member.user.id }, body: { role: 'admin' } });
    await owner.call('setMemberRole', { params: { workspaceId, userId: admin.user.id }, body: { role: 'owner' } });
    const roles = new Map(
      (await t.server.store.forWorkspace(workspaceId).members.list()).map((m) => [m.userId, m.role]),
    );
    expect([roles.get(member.user.id), roles.get(admin.user.id)]).toEqual(['admin', 'owner']);
  });
});
