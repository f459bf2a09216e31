import { describe, expect, it } from 'vitest';
import { MINUTE, type StoreTestKit, STORE_BACKENDS, freshStoreEachTest, createTestUser } from './storeTestKit';
import type { SsoSettingsWrite, Store, User } from './types';

const SECRET = 'client-secret-that-must-never-leak-7f3a';

const settings = (overrides: Partial<SsoSettingsWrite> = {}): SsoSettingsWrite => ({
  providerName: 'Acme ID',
  issuer: 'https://id.acme.test',
  clientId: 'whoot',
  clientSecret: SECRET,
  allowedDomains: ['acme.test'],
  roleClaim: 'groups',
  roleRules: [{ value: 'whoot-admins', role: 'admin' }],
  requireSso: false,
  ...overrides,
});

describe.each(STORE_BACKENDS)('%s store: single sign-on', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  freshStoreEachTest(backend, (opened) => {
    ({ kit, store } = opened);
  });

  const user = (email: string): Promise<User> => createTestUser(store, email);
  async function workspace(slug: string, owner: User) {
    const created = await store.workspaces.create({ slug, name: slug, ownerUserId: owner.id });
    if (!created.ok) throw new Error(created.error.code);
    return created.value.id;
  }
  const provisionInput = (workspaceId: string, subject: string, email: string) => ({
    workspaceId,
    issuer: 'https://id.acme.test',
    subject,
    email,
    displayName: email.split('@')[0]!,
    role: 'member' as const,
    passwordHash: '!sso-only',
  });

  it('keeps settings per workspace, the secret sealed at rest and kept when a save leaves it out', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    const beta = await workspace('beta', ada);
    const first = await store.sso.saveSettings(acme, settings({ clientSecret: undefined }));
    expect(first).toMatchObject({ ok: false, error: { code: 'secret_required' } });
    expect(await store.sso.settings(acme)).toBeUndefined();

    const saved = await store.sso.saveSettings(acme, settings());
    expect(saved.ok && saved.value).toMatchObject({ workspaceId: acme, clientSecret: SECRET, requireSso: false });
    kit.clock.now += MINUTE;
    const kept = await store.sso.saveSettings(acme, settings({ clientSecret: undefined, requireSso: true }));
    expect(kept.ok && kept.value).toMatchObject({ clientSecret: SECRET, requireSso: true, updatedAt: kit.clock.now });
    expect(await store.sso.settings(beta)).toBeUndefined();

    // Someone with the database file sees ciphertext only.
    const raw = await kit.sql();
    const rows = await raw.all<{ client_secret: string }>('SELECT client_secret FROM workspace_sso');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.client_secret).toMatch(/^v1\./);
    expect(rows[0]!.client_secret).not.toContain(SECRET);

    expect(await store.sso.removeSettings(acme)).toBe(true);
    expect(await store.sso.removeSettings(acme)).toBe(false);
  });

  it('rotate-key re-seals the client secret under the new key', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    await store.sso.saveSettings(acme, settings());
    const report = await store.dataKeys.rotate(kit.keyB);
    expect(report.columns).toEqual(
      expect.arrayContaining([{ table: 'workspace_sso', column: 'client_secret', reencrypted: 1 }]),
    );
    const usage = await store.dataKeys.usage();
    expect(usage.filter((u) => u.table === 'workspace_sso')).toEqual([
      { table: 'workspace_sso', column: 'client_secret', keyId: kit.keyB.id, values: 1 },
    ]);
    expect((await store.sso.settings(acme))?.clientSecret).toBe(SECRET);
  });

  it('hands out an attempt and a login code once each, and never after they expire', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    const attempt = {
      stateHash: 'a'.repeat(64),
      workspaceId: acme,
      nonce: 'n',
      codeVerifier: 'v',
      appChallenge: 'c'.repeat(43),
      loopbackPort: 50123,
      expiresAt: kit.clock.now + 10 * MINUTE,
    };
    await store.sso.createAttempt(attempt);
    expect(await store.sso.takeAttempt(attempt.stateHash)).toEqual(attempt);
    expect(await store.sso.takeAttempt(attempt.stateHash)).toBeUndefined();

    const code = { codeHash: 'b'.repeat(64), userId: ada.id, workspaceId: acme, appChallenge: 'c'.repeat(43) };
    await store.sso.createLoginCode({ ...code, expiresAt: kit.clock.now + MINUTE });
    const [one, two] = await Promise.all([
      store.sso.takeLoginCode(code.codeHash),
      store.sso.takeLoginCode(code.codeHash),
    ]);
    expect([one, two].filter(Boolean)).toHaveLength(1);

    await store.sso.createAttempt({ ...attempt, stateHash: 'd'.repeat(64) });
    await store.sso.createLoginCode({ ...code, codeHash: 'e'.repeat(64), expiresAt: kit.clock.now + MINUTE });
    kit.clock.now += 11 * MINUTE;
    expect(await store.sso.takeAttempt('d'.repeat(64))).toBeUndefined();
    expect(await store.sso.takeLoginCode('e'.repeat(64))).toBeUndefined();
    await store.sso.createLoginCode({ ...code, codeHash: 'f'.repeat(64), expiresAt: kit.clock.now - 1 });
    expect(await store.sso.prune()).toBe(1);
  });

  it('just-in-time: account, membership and link together; the link finds the account again', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    const first = await store.sso.provision(provisionInput(acme, 'sub-bob', 'bob@acme.test'));
    expect(first).toMatchObject({ ok: true, accountCreated: true, joined: true, role: 'member' });
    if (!first.ok) throw new Error('provision failed');
    expect(first.user.serverOwner).toBe(false);
    expect(await store.forWorkspace(acme).members.get(first.user.id)).toMatchObject({ role: 'member' });

    // The claims now say admin: the role follows; the email claim changing does not matter, the subject does.
    const again = await store.sso.provision({
      ...provisionInput(acme, 'sub-bob', 'renamed@acme.test'),
      role: 'admin',
    });
    expect(again).toMatchObject({ ok: true, accountCreated: false, joined: false, role: 'admin' });
    expect(again.ok && again.user.id).toBe(first.user.id);
    expect(await store.forWorkspace(acme).members.get(first.user.id)).toMatchObject({ role: 'admin' });

    // Removed by an admin, back through the provider: joins again.
    await store.forWorkspace(acme).members.remove(first.user.id);
    expect(await store.sso.provision(provisionInput(acme, 'sub-bob', 'bob@acme.test'))).toMatchObject({
      ok: true,
      joined: true,
    });
  });

  it('never lowers or raises an owner, and never takes over an account the provider is not linked to', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    const users = await store.users.count();
    const taken = await store.sso.provision(provisionInput(acme, 'sub-impostor', 'ADA@acme.test'));
    expect(taken).toEqual({ ok: false, reason: 'account_exists' });
    expect(await store.users.count()).toBe(users);
    const raw = await kit.sql();
    expect(await raw.all('SELECT * FROM sso_identities')).toEqual([]);

    // An owner who is linked keeps owner whatever the claims say.
    await raw.run(
      'INSERT INTO sso_identities (workspace_id, issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?, ?)',
      acme,
      'https://id.acme.test',
      'sub-ada',
      ada.id,
      kit.clock.now,
    );
    const owner = await store.sso.provision(provisionInput(acme, 'sub-ada', 'ada@acme.test'));
    expect(owner).toMatchObject({ ok: true, role: 'owner', joined: false });
    expect(await store.forWorkspace(acme).members.get(ada.id)).toMatchObject({ role: 'owner' });
  });

  it('the same subject at another workspace is another identity (links are per workspace)', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    const beta = await workspace('beta', ada);
    const inAcme = await store.sso.provision(provisionInput(acme, 'sub-bob', 'bob@acme.test'));
    expect(inAcme.ok).toBe(true);
    expect(await store.sso.provision(provisionInput(beta, 'sub-bob', 'bob@acme.test'))).toEqual({
      ok: false,
      reason: 'account_exists',
    });
  });

  it('finds the workspace an invite leads to', async () => {
    const ada = await user('ada@acme.test');
    const acme = await workspace('acme', ada);
    await store.forWorkspace(acme).invites.create({
      code: 'invite-code-0123456789',
      createdBy: ada.id,
      role: 'member',
      maxUses: 1,
      expiresAt: kit.clock.now + MINUTE,
    });
    expect(await store.sso.workspaceOfInvite('invite-code-0123456789')).toBe(acme);
    expect(await store.sso.workspaceOfInvite('invite-code-unknown-000')).toBeUndefined();
  });
});
