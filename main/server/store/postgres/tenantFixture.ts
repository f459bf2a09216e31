import { Readable } from 'node:stream';
import { MINUTE } from '../storeTestKit';
import type { Store } from '../types';

/**
 * Tests only: one workspace with a row in every tenant table, written through the store's own API (webhook
 * deliveries and attempts through the queue, as the dispatcher makes them), so isolation tests can look for
 * another workspace's rows everywhere.
 */
export async function populateWorkspace(store: Store, slug: string, now: number) {
  const owner = await store.users.create({ email: `${slug}@example.com`, displayName: slug, passwordHash: 'h' });
  const member = await store.users.create({
    email: `${slug}-m@example.com`,
    displayName: `${slug}-m`,
    passwordHash: 'h',
  });
  if (!owner.ok || !member.ok) throw new Error('no users');
  const created = await store.workspaces.create({ slug, name: slug, ownerUserId: owner.value.id });
  if (!created.ok) throw new Error(created.error.code);
  const scope = store.forWorkspace(created.value.id);
  await scope.members.add(member.value.id, 'member');
  const channel = await scope.channels.create({ name: `${slug}-general`, kind: 'text' });
  const invite = await scope.invites.create({
    code: `${slug}-invite-code-0123456789`,
    createdBy: owner.value.id,
    role: 'member',
    maxUses: 5,
    expiresAt: now + 60 * MINUTE,
  });
  await scope.voiceMutes.mute(member.value.id, owner.value.id);
  const endpoint = await scope.webhooks.create({
    url: `https://${slug}.example.com/hook`,
    description: slug,
    events: ['message.created'],
    enabled: true,
    createdBy: owner.value.id,
    secret: `${slug}-webhook-secret`,
  });
  const upload = scope.files.startUpload({
    channelId: channel.id,
    uploaderId: owner.value.id,
    name: `${slug}.txt`,
    contentType: 'text/plain',
  });
  await upload.writeFrom(Readable.from([Buffer.from(`contents of ${slug}`)]));
  const file = await upload.commit(16, 1_000_000);
  if (!file.ok) throw new Error(file.error.code);
  const message = await scope.messages.post({
    channelId: channel.id,
    author: { kind: 'member', userId: owner.value.id },
    body: `hello from ${slug}`,
    mentions: [member.value.id],
    attachments: [file.value.id],
  });
  if (!message.ok) throw new Error(message.error.code);
  await scope.messages.markRead(member.value.id, channel.id, message.value.id);
  const event = await scope.events.append('message.created', { channelId: channel.id });
  await store.audit.append({ type: 'channel.create', workspaceId: scope.workspaceId, actorUserId: owner.value.id });
  const cursor = (await store.webhookQueue.cursors()).find((c) => c.workspaceId === scope.workspaceId);
  if (cursor === undefined) throw new Error('no webhook cursor');
  await store.webhookQueue.fanOut({
    cursor,
    next: { eventSeq: event.seq, auditSeq: cursor.auditSeq },
    events: [{ id: event.id, type: 'message.created', data: { slug }, occurredAt: now }],
  });
  const input = await scope.inputs.create({
    channelId: channel.id,
    name: `${slug}-input`,
    ephemeral: false,
    requireToken: false,
    createdBy: owner.value.id,
  });
  if (input === undefined) throw new Error('no input');
  await store.inbound.recordRequest({ input, status: 'posted', content: { headers: {}, body: slug } });
  await scope.apiTokens.create({ id: `${slug}-token`, name: slug, secretHash: 'hash', createdBy: owner.value.id });
  await store.sso.saveSettings(scope.workspaceId, {
    providerName: slug,
    issuer: `https://${slug}.example.com`,
    clientId: slug,
    clientSecret: `${slug}-sso-secret`,
    allowedDomains: ['example.com'],
    roleClaim: null,
    roleRules: [],
    requireSso: false,
  });
  await store.sso.provision({
    workspaceId: scope.workspaceId,
    issuer: `https://${slug}.example.com`,
    subject: `${slug}-subject`,
    email: `${slug}-sso@example.com`,
    displayName: `${slug}-sso`,
    role: 'member',
    passwordHash: 'h',
  });
  const ssoHash = (letter: string) => `${slug}-${letter}`.padEnd(64, '0');
  await store.sso.createAttempt({
    stateHash: ssoHash('state'),
    workspaceId: scope.workspaceId,
    nonce: slug,
    codeVerifier: slug,
    appChallenge: slug,
    loopbackPort: 50000,
    expiresAt: now + 60 * MINUTE,
  });
  await store.sso.createLoginCode({
    codeHash: ssoHash('code'),
    userId: member.value.id,
    workspaceId: scope.workspaceId,
    appChallenge: slug,
    expiresAt: now + 60 * MINUTE,
  });
  return {
    scope,
    owner: owner.value,
    member: member.value,
    channel,
    invite,
    endpoint,
    file: file.value,
    message: message.value,
    input,
  };
}
