import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../main/server/config';
import { runCli } from '../../main/server/cli/run';
import { parseDeepLink } from '../../shared/deepLink';
import { expectError, expectSecurityHeaders, rawRequest, signedCall } from '../support/rawServerClient';
import { signIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Who may create an account and who may create workspaces, attacked as an outsider would: a sign-up without an
 * invite, with a spent or forged one, and a create-workspace by an account that is not an operator. Each refusal
 * is checked with the state it must leave unchanged.
 */

const DEFAULTS = parseServerConfig({ dataDir: 'unused' });
const REAL_POLICY = {
  registration: DEFAULTS.registration,
  workspaceCreation: DEFAULTS.workspaceCreation,
  defaultChannels: DEFAULTS.defaultChannels,
};
const OPERATOR = { email: 'op@example.test', password: 'operator password 1' };

let t: TestServer;
let operator: TestClient;
let workspaceId: string;
let cliDir: string;

const signUp = (body: Record<string, unknown>) =>
  rawRequest(t.server, { method: 'POST', path: '/v1/auth/sign-up', body: JSON.stringify(body) });
const account = (name: string, inviteCode?: string) => ({
  email: `${name}@example.test`,
  password: `password of ${name}`,
  displayName: name,
  ...(inviteCode === undefined ? {} : { inviteCode }),
});

/** Accounts, audit head, the operator's workspaces and the first workspace's invites (with their uses). */
async function state() {
  const { store } = t.server;
  return {
    users: await store.users.count(),
    audit: (await store.audit.head()).seq,
    workspaces: (await store.workspaces.listForUser(operator.user.id)).map((m) => m.workspace.slug),
    invites: await store.forWorkspace(workspaceId).invites.list(),
  };
}

/**
 * The operator's way in on an invite-only server: the CLI, beside the running server, on its data directory and
 * its store (a cluster's PostgreSQL and data keys, under WHOOT_TEST_TARGET=cluster).
 */
async function bootstrapWithCli(server: TestServer) {
  cliDir = mkdtempSync(join(tmpdir(), 'whoot-registration-cli-'));
  const config = join(cliDir, 'whoot.server.json');
  writeFileSync(
    config,
    JSON.stringify({ dataDir: server.dataDir, publicPort: 9443, ...REAL_POLICY, ...server.cli.config }),
  );
  const out: string[] = [];
  const code = await runCli(
    ['--config', config, 'create-workspace', 'team', 'Team', '--owner', OPERATOR.email, '--password-stdin'],
    {
      out: (line) => out.push(line),
      err: () => undefined,
      env: { ...server.cli.env },
      cwd: cliDir,
      readStdin: async () => `${OPERATOR.password}\n`,
      waitForStop: () => new Promise(() => undefined),
    },
  );
  expect(code).toBe(0);
}

beforeAll(async () => {
  t = await startTestServer(REAL_POLICY);
  await bootstrapWithCli(t);
  operator = await signIn(t.server, OPERATOR.email, OPERATOR.password);
  workspaceId = operator.vault.identity()!.workspaces[0]!.id;
});
afterAll(async () => {
  await t?.close();
  rmSync(cliDir, { recursive: true, force: true });
});

async function invite(maxUses = 1): Promise<string> {
  return (await operator.call('createInvite', { params: { workspaceId }, body: { maxUses } })).code;
}

describe('the defaults', () => {
  it('are invite-only registration, operators create workspaces, and a text and a voice channel', () => {
    expect(REAL_POLICY).toEqual({
      registration: 'invite-only',
      workspaceCreation: 'operators',
      defaultChannels: [
        { name: 'general', kind: 'text', relayOnly: true, voiceMode: 'auto' },
        { name: 'Lounge', kind: 'voice', relayOnly: true, voiceMode: 'auto' },
      ],
    });
  });

  it('are told to anyone who asks, and nothing else is', async () => {
    const response = await rawRequest(t.server, { method: 'GET', path: '/v1/server-info' });
    expect(response.status).toBe(200);
    expect(response.json).toStrictEqual({ registration: 'invite-only', workspaceCreation: 'operators' });
    expectSecurityHeaders(response);
    expect(response.headers.server).toBeUndefined();
  });
});

describe('sign-up on an invite-only server', () => {
  it('refuses a sign-up without an invite, and creates nothing', async () => {
    const before = await state();
    expectError(await signUp(account('mallory')), 403, 'invite_required');
    expect(await t.server.store.users.byEmail('mallory@example.test')).toBeUndefined();
    expect(await state()).toEqual(before);
  });

  it('refuses a forged or a revoked invite code, and creates nothing', async () => {
    const revoked = await invite();
    const [revokedInvite] = (await t.server.store.forWorkspace(workspaceId).invites.list()).slice(-1);
    await operator.call('revokeInvite', { params: { workspaceId, inviteId: revokedInvite!.id } });
    const before = await state();
    for (const code of ['A'.repeat(24), revoked]) {
      expectError(await signUp(account('mallory', code)), 404, 'invite_invalid');
    }
    expect(await state()).toEqual(before);
  });

  it('takes a valid invite: the account joins with the invite role, and the one use is spent', async () => {
    const code = await invite(1);
    const response = await signUp(account('bob', code));
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ serverOwner: false, user: { email: 'bob@example.test' } });
    const bob = await t.server.store.users.byEmail('bob@example.test');
    expect(await t.server.store.forWorkspace(workspaceId).members.get(bob!.id)).toMatchObject({ role: 'member' });

    // The same code again: used up, and the second account is never created.
    const before = await state();
    expectError(await signUp(account('carol', code)), 404, 'invite_invalid');
    expect(await t.server.store.users.byEmail('carol@example.test')).toBeUndefined();
    expect(await state()).toEqual(before);
  });

  it('refuses a taken email with a valid invite, and the invite keeps its use', async () => {
    const code = await invite(1);
    const before = await state();
    expectError(await signUp(account('bob', code)), 409, 'email_taken');
    expect(await state()).toEqual(before);
    expect((await signUp(account('dave', code))).status).toBe(201);
  });

  it('lets two sign-ups race for the last use of an invite: one account is created, never two', async () => {
    const code = await invite(1);
    const results = await Promise.all([signUp(account('erin', code)), signUp(account('frank', code))]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 404]);
    const created = await Promise.all(
      ['erin', 'frank'].map((name) => t.server.store.users.byEmail(`${name}@example.test`)),
    );
    expect(created.filter((user) => user !== undefined)).toHaveLength(1);
  });
});

describe('create-workspace when only operators may', () => {
  it('refuses an invited account, even for an address that is taken, and creates nothing', async () => {
    const code = await invite(1);
    await signUp(account('gina', code));
    const gina = await signIn(t.server, 'gina@example.test', 'password of gina');
    const before = await state();
    for (const slug of ['ginas-own', 'team']) {
      expectError(
        await signedCall(t.server, gina, 'createWorkspace', { body: { slug, name: 'Mine' } }),
        403,
        'forbidden',
      );
    }
    expect(await t.server.store.workspaces.bySlug('ginas-own')).toBeUndefined();
    expect(await state()).toEqual(before);
  });

  it('lets the operator create one, which starts with the default channels', async () => {
    const { workspace } = await operator.call('createWorkspace', { body: { slug: 'second', name: 'Second' } });
    const { channels } = await operator.call('listChannels', { params: { workspaceId: workspace.id } });
    expect(channels.map((c) => [c.kind, c.name, c.relayOnly]).sort()).toEqual([
      ['text', 'general', true],
      ['voice', 'Lounge', true],
    ]);
  });

  it('the CLI made the first workspace with the same channels, and its invites work', async () => {
    const { channels } = await operator.call('listChannels', { params: { workspaceId } });
    expect(channels.map((c) => c.name).sort()).toEqual(['Lounge', 'general']);
    const link = await t.server.createInvite('team');
    const parsed = parseDeepLink(link);
    expect(parsed.ok && (await signUp(account('hank', parsed.value.invite.code))).status).toBe(201);
  });
});

describe('an open server', () => {
  let open: TestServer;
  afterAll(async () => {
    await open?.close();
  });

  it('says so, signs up without an invite, and still lets only its operator create workspaces', async () => {
    open = await startTestServer({ ...REAL_POLICY, registration: 'open' });
    const info = await rawRequest(open.server, { method: 'GET', path: '/v1/server-info' });
    expect(info.json).toStrictEqual({ registration: 'open', workspaceCreation: 'operators' });

    const signUpOpen = (name: string, inviteCode?: string) =>
      rawRequest(open.server, {
        method: 'POST',
        path: '/v1/auth/sign-up',
        body: JSON.stringify(account(name, inviteCode)),
      });
    expect((await signUpOpen('first')).json).toMatchObject({ serverOwner: true });
    expect((await signUpOpen('second')).json).toMatchObject({ serverOwner: false });
    const first = await signIn(open.server, 'first@example.test', 'password of first');
    const second = await signIn(open.server, 'second@example.test', 'password of second');
    expect((await signedCall(open.server, first, 'createWorkspace', { body: { slug: 'a', name: 'A' } })).status).toBe(
      201,
    );
    expectError(
      await signedCall(open.server, second, 'createWorkspace', { body: { slug: 'b', name: 'B' } }),
      403,
      'forbidden',
    );

    // A code that does not work creates no account, open or not: the person meant to join something.
    const users = await open.server.store.users.count();
    expectError(await signUpOpen('third', 'B'.repeat(24)), 404, 'invite_invalid');
    expect(await open.server.store.users.count()).toBe(users);
  });

  it('lets anyone signed in create workspaces when workspaceCreation is anyone', async () => {
    const anyone = await startTestServer({ ...REAL_POLICY, registration: 'open', workspaceCreation: 'anyone' });
    try {
      for (const name of ['first', 'second']) {
        await rawRequest(anyone.server, {
          method: 'POST',
          path: '/v1/auth/sign-up',
          body: JSON.stringify(account(name)),
        });
      }
      const second = await signIn(anyone.server, 'second@example.test', 'password of second');
      const created = await signedCall(anyone.server, second, 'createWorkspace', { body: { slug: 'b', name: 'B' } });
      expect(created.status).toBe(201);
    } finally {
      await anyone.close();
    }
  });
});
