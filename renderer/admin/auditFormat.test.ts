import { describe, expect, it } from 'vitest';
import type { AuditEntryView } from '../../shared/admin';
import {
  auditActionLabel,
  auditActor,
  auditFilterChoices,
  describeAudit,
  filterAudit,
  SERVER_ACTOR,
  type AuditFilter,
  type AuditNames,
} from './auditFormat';

const ADA = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01';
const BOB = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02';
const GONE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a09';
const LOBBY = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b01';
const TOKEN = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c01';

const names: AuditNames = {
  user: (id) => ({ [ADA]: 'Ada', [BOB]: 'Bob' })[id] ?? null,
  channel: (id) => (id === LOBBY ? 'Lobby' : null),
  token: (id) => (id === TOKEN ? 'CI deploys' : null),
  webhook: () => 'https://hooks.example.com/whoot',
  input: () => 'Alerts',
};

const entry = (type: string, details: AuditEntryView['details'] = {}, actorUserId: string | null = ADA) =>
  ({ seq: 1, at: 0, type, actorUserId, details, hash: '0'.repeat(64) }) satisfies AuditEntryView;

describe('audit entries in words', () => {
  it('names people and things instead of ids', () => {
    expect(describeAudit(entry('member.removed', { userId: BOB }), names)).toEqual({
      action: 'Removed a member',
      target: 'Bob',
    });
    expect(describeAudit(entry('member.role_changed', { userId: BOB, from: 'member', to: 'admin' }), names)).toEqual({
      action: 'Changed a role',
      target: 'Bob: Member → Admin',
    });
    expect(describeAudit(entry('invite.created', { inviteId: GONE, role: 'member', maxUses: 5 }), names)).toEqual({
      action: 'Created an invite',
      target: 'Member invite, 5 uses',
    });
    expect(describeAudit(entry('api_token.created', { tokenId: TOKEN }), names).target).toBe('CI deploys');
    expect(describeAudit(entry('voice.member_moved', { userId: BOB, toChannelId: LOBBY }), names)).toEqual({
      action: 'Moved a member to another voice channel',
      target: 'Bob to #Lobby',
    });
    expect(auditActor(entry('member.removed'), names)).toBe('Ada');
  });

  it('says who is gone: a former member, a deleted channel (by the name it had), the server itself', () => {
    expect(auditActor(entry('member.removed', {}, GONE), names)).toBe('Former member (0190a1b2…)');
    expect(auditActor(entry('invite.created', {}, null), names)).toBe('The server');
    expect(describeAudit(entry('member.removed', { userId: GONE }), names).target).toBe('former member (0190a1b2…)');
    expect(describeAudit(entry('channel.deleted', { channelId: GONE, name: 'standup' }), names)).toEqual({
      action: 'Deleted a channel',
      target: '#standup',
    });
    expect(describeAudit(entry('invite.created', { via: 'cli', maxUses: 1 }), names).target).toBe(
      'Member invite from the command line, 1 use',
    );
  });

  it('falls back to words for a type this build does not know, never raw JSON', () => {
    const line = describeAudit(entry('backup.finished', { bytes: 1024, where: 'disk', nested: { a: 1 } }), names);
    expect(line).toEqual({ action: 'Backup finished', target: 'bytes: 1024, where: disk' });
    expect(`${line.action} ${line.target}`).not.toMatch(/[{}[\]"]/);
  });

  it('labels actions for the filter the way the entries say them', () => {
    expect(auditActionLabel('member.removed')).toBe('Removed a member');
    expect(auditActionLabel('channel.created')).toBe('Created a channel');
    expect(auditActionLabel('something.new')).toBe('Something new');
  });
});

describe('audit filters', () => {
  const entries = [
    { ...entry('member.removed', { userId: BOB }), seq: 4 },
    { ...entry('channel.created', { channelId: LOBBY, kind: 'text' }, BOB), seq: 3 },
    { ...entry('channel.deleted', { channelId: LOBBY, name: 'Lobby' }), seq: 2 },
    { ...entry('invite.created', { via: 'cli', maxUses: 1 }, null), seq: 1 },
  ];

  it('offers the people and actions the entries have, by name and in words', () => {
    expect(auditFilterChoices(entries, names)).toEqual({
      actors: [
        { value: ADA, label: 'Ada' },
        { value: BOB, label: 'Bob' },
        { value: SERVER_ACTOR, label: 'The server' },
      ],
      actions: [
        { value: 'channel.created', label: 'Created a channel' },
        { value: 'invite.created', label: 'Created an invite' },
        { value: 'channel.deleted', label: 'Deleted a channel' },
        { value: 'member.removed', label: 'Removed a member' },
      ],
    });
  });

  it('keeps the entries of one person, one action, or both, in their order', () => {
    const seqs = (filter: AuditFilter) => filterAudit(entries, filter).map((e) => e.seq);
    expect(seqs({ actor: null, type: null })).toEqual([4, 3, 2, 1]);
    expect(seqs({ actor: ADA, type: null })).toEqual([4, 2]);
    expect(seqs({ actor: SERVER_ACTOR, type: null })).toEqual([1]);
    expect(seqs({ actor: null, type: 'channel.created' })).toEqual([3]);
    expect(seqs({ actor: ADA, type: 'channel.created' })).toEqual([]);
  });
});
