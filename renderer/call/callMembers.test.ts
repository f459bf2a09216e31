import { describe, expect, it } from 'vitest';
import type { Member } from '../../shared/rest/endpoints';
import type { PeerView } from '../voice/voiceState';
import { callMembers, sameMember, voiceMemberLabel } from './callMembers';

const ada = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01';
const bob = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02';
const members: Record<string, Member> = {
  [ada]: { userId: ada, displayName: 'Ada', role: 'owner', online: true },
  [bob]: { userId: bob, displayName: 'Bob', role: 'member', online: true },
};
const peer = (peerId: string, userId: string, state = {}) => ({
  peerId,
  userId,
  selfMuted: false,
  selfDeafened: false,
  ...state,
});
const view = (peerId: string, userId: string, speaking: boolean): PeerView => ({
  peerId,
  userId,
  connectionState: 'connected',
  speaking,
  quality: null,
  safetyCode: null,
  safety: 'pending',
  safetyCheckedByStats: false,
});

describe('callMembers', () => {
  it('lists ourselves first from our own engine, and others as the room says', () => {
    const list = callMembers({
      roomPeers: [peer('p-bob', bob, { selfMuted: true }), peer('p-ada', ada, { selfMuted: false })],
      members,
      serverMuted: {},
      selfId: ada,
      ownCall: { muted: true, deafened: false, localSpeaking: false, peers: [view('p-bob', bob, true)] },
    });
    expect(list.map((m) => [m.name, m.self, m.selfMuted, m.speaking, m.connection])).toEqual([
      ['Ada', true, true, false, null],
      ['Bob', false, true, true, 'connected'],
    ]);
  });

  it('keeps the last known members while our own engine has dropped its peers (reconnecting)', () => {
    const list = callMembers({
      roomPeers: [peer('p-ada', ada), peer('p-bob', bob, { selfDeafened: true })],
      members,
      serverMuted: { [bob]: true },
      selfId: ada,
      ownCall: { muted: false, deafened: false, localSpeaking: false, peers: [] },
    });
    expect(list.map((m) => m.name)).toEqual(['Ada', 'Bob']);
    expect(list[1]).toMatchObject({ selfDeafened: true, serverMuted: true, connection: null });
  });

  it('shows ourselves at once after joining, before the room event arrives; one tile per user', () => {
    const list = callMembers({
      roomPeers: [peer('p-bob-1', bob), peer('p-bob-2', bob)],
      members,
      serverMuted: {},
      selfId: ada,
      ownCall: { muted: false, deafened: true, localSpeaking: false, peers: [] },
    });
    expect(list.map((m) => [m.name, m.selfDeafened])).toEqual([
      ['Ada', true],
      ['Bob', false],
    ]);
  });

  it("says a member's name and state in words", () => {
    const quiet = {
      name: 'Ada',
      self: false,
      speaking: false,
      serverMuted: false,
      selfDeafened: false,
      selfMuted: false,
    };
    expect(voiceMemberLabel(quiet)).toBe('Ada');
    expect(voiceMemberLabel({ ...quiet, self: true, speaking: true })).toBe('Ada (you), speaking');
    expect(voiceMemberLabel({ ...quiet, serverMuted: true, selfDeafened: true, selfMuted: true })).toBe(
      'Ada, server-muted, deafened',
    );
    expect(voiceMemberLabel({ ...quiet, selfMuted: true })).toBe('Ada, muted');
  });
});

describe('sameMember', () => {
  const ada = {
    userId: 'u-ada',
    name: 'Ada',
    self: false,
    selfMuted: false,
    selfDeafened: false,
    serverMuted: false,
    speaking: false,
    connection: 'connected',
  } as const;

  it('is true for a fresh record with the same fields, so the tile is not drawn again', () => {
    expect(sameMember(ada, { ...ada })).toBe(true);
  });

  it('is false when any one field differs, so every change reaches the screen', () => {
    const changes = {
      userId: 'u-bob',
      name: 'Ada L.',
      self: true,
      selfMuted: true,
      selfDeafened: true,
      serverMuted: true,
      speaking: true,
      connection: 'disconnected',
    } as const;
    // Every field of a member is compared: a field added to CallMember must be added here too.
    expect(Object.keys(changes).sort()).toEqual(Object.keys(ada).sort());
    for (const [key, value] of Object.entries(changes))
      expect(sameMember(ada, { ...ada, [key]: value }), key).toBe(false);
  });
});
