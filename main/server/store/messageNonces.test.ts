import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from './ids';
import { createStoreTestKit, type StoreTestKit, STORE_BACKENDS, createTestUser } from './storeTestKit';
import type { NewMessage, Store, User, WorkspaceScope } from './types';

/** A member's post nonce: one post per nonce and author in a workspace, found again by it; on each backend. */
describe.each(STORE_BACKENDS)('%s store: message nonces', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  let ada: User;
  let bob: User;
  let acme: WorkspaceScope;
  let channelId: string;

  const user = (email: string): Promise<User> => createTestUser(store, email);

  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    store = await kit.open();
    ada = await user('ada@example.com');
    bob = await user('bob@example.com');
    const created = await store.workspaces.create({ slug: 'acme', name: 'Acme', ownerUserId: ada.id });
    if (!created.ok) throw new Error(created.error.code);
    acme = store.forWorkspace(created.value.id);
    await acme.members.add(bob.id, 'member');
    channelId = (await acme.channels.create({ name: 'chat', kind: 'text' })).id;
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  const post = (author: User, body: string, nonce?: string, scope = acme, channel = channelId) => {
    const input: NewMessage = {
      channelId: channel,
      author: { kind: 'member', userId: author.id },
      body,
      mentions: [],
      attachments: [],
      ...(nonce === undefined ? {} : { nonce }),
    };
    return scope.messages.post(input);
  };

  it('stores the first post with a nonce, refuses a repeat without storing it, and finds the first by it', async () => {
    const nonce = newId(kit.clock.now);
    const first = await post(ada, 'hello', nonce);
    if (!first.ok) throw new Error(first.error.code);
    expect(first.value.nonce).toBe(nonce);

    const again = await post(ada, 'hello', nonce);
    expect(again).toEqual({ ok: false, error: { code: 'duplicate_nonce', message: expect.any(String) } });
    const page = await acme.messages.page(channelId, null, 10);
    expect(page?.messages.map((message) => message.id)).toEqual([first.value.id]);
    // The channel's counter did not move for the refused repeat: the next post is number 2.
    const next = await post(ada, 'next');
    expect(next.ok && next.value.position).toBe(2);
    expect((await acme.messages.byNonce(ada.id, nonce))?.id).toBe(first.value.id);
  });

  it('scopes a nonce to its author and workspace: the same value from another member or workspace is another post', async () => {
    const nonce = newId(kit.clock.now);
    expect((await post(ada, 'from ada', nonce)).ok).toBe(true);
    const fromBob = await post(bob, 'from bob', nonce);
    expect(fromBob.ok).toBe(true);
    expect((await acme.messages.byNonce(bob.id, nonce))?.body).toBe('from bob');
    expect((await acme.messages.byNonce(ada.id, nonce))?.body).toBe('from ada');

    const other = await store.workspaces.create({ slug: 'beta', name: 'Beta', ownerUserId: ada.id });
    if (!other.ok) throw new Error(other.error.code);
    const beta = store.forWorkspace(other.value.id);
    const betaChannel = (await beta.channels.create({ name: 'chat', kind: 'text' })).id;
    expect((await post(ada, 'in beta', nonce, beta, betaChannel)).ok).toBe(true);
    // Looking from one workspace never finds the other's.
    expect((await beta.messages.byNonce(ada.id, nonce))?.body).toBe('in beta');
    expect((await acme.messages.byNonce(ada.id, nonce))?.body).toBe('from ada');
  });

  it('keeps the nonce on a deleted message, so a late retry still finds it (as a tombstone)', async () => {
    const nonce = newId(kit.clock.now);
    const first = await post(ada, 'soon gone', nonce);
    if (!first.ok) throw new Error(first.error.code);
    await acme.messages.delete(first.value.id, ada.id);
    expect((await post(ada, 'soon gone', nonce)).ok).toBe(false);
    const found = await acme.messages.byNonce(ada.id, nonce);
    expect(found?.id).toBe(first.value.id);
    expect(found?.body).toBeNull();
  });

  it('leaves posts without a nonce as they were (null), and inputs never carry one', async () => {
    const plain = await post(ada, 'no nonce');
    expect(plain.ok && plain.value.nonce).toBeNull();
    const fromInput = await acme.messages.post({
      channelId,
      author: { kind: 'input', inputId: newId(kit.clock.now), name: 'CI' },
      body: 'build passed',
      mentions: [],
      attachments: [],
      nonce: newId(kit.clock.now),
    });
    expect(fromInput.ok && fromInput.value.nonce).toBeNull();
  });
});
