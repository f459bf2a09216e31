import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RoomRegistry, roomKey } from './rooms';

const ws = randomUUID();
const member = (relayOnly = true) => ({
  peerId: randomUUID(),
  userId: randomUUID(),
  relayOnly,
  selfMuted: false,
  selfDeafened: false,
});

describe('RoomRegistry', () => {
  it('lists the members already present to a joiner', () => {
    const rooms = new RoomRegistry();
    const key = roomKey(ws, randomUUID());
    const [a, b, c] = [member(), member(), member()];
    expect(rooms.join(key, a)).toEqual([]);
    expect(rooms.join(key, b)).toEqual([a]);
    expect(rooms.join(key, c)).toEqual([a, b]);
    expect(rooms.size(key)).toBe(3);
  });

  it('keeps a connection in one room at a time: joining another leaves the first', () => {
    const rooms = new RoomRegistry();
    const [first, second] = [roomKey(ws, randomUUID()), roomKey(ws, randomUUID())];
    const a = member();
    rooms.join(first, a);
    rooms.join(second, a);
    expect(rooms.roomOf(a.peerId)).toBe(second);
    expect(rooms.size(first)).toBe(0);
    expect(rooms.leave(a.peerId)).toBe(second);
    expect(rooms.leave(a.peerId)).toBeUndefined();
    expect(rooms.members(second)).toEqual([]);
  });

  it('routes a signal only between two different members of the same room of the same workspace', () => {
    const rooms = new RoomRegistry();
    const channel = randomUUID();
    const key = roomKey(ws, channel);
    const otherRoom = roomKey(ws, randomUUID());
    const sameChannelOtherWorkspace = roomKey(randomUUID(), channel);
    const [a, b, c, d] = [member(), member(), member(), member()];
    rooms.join(key, a);
    rooms.join(key, b);
    rooms.join(otherRoom, c);
    rooms.join(sameChannelOtherWorkspace, d);
    expect(rooms.recipient(key, a.peerId, b.peerId)).toEqual(b);
    expect(rooms.recipient(key, a.peerId, a.peerId)).toBeNull();
    expect(rooms.recipient(key, a.peerId, c.peerId)).toBeNull();
    expect(rooms.recipient(key, c.peerId, a.peerId)).toBeNull();
    expect(rooms.recipient(key, a.peerId, d.peerId)).toBeNull();
    expect(rooms.recipient(sameChannelOtherWorkspace, d.peerId, a.peerId)).toBeNull();
    expect(rooms.recipient(key, a.peerId, randomUUID())).toBeNull();
  });

  it("records a member's own mute and deafen, and says whether it changed", () => {
    const rooms = new RoomRegistry();
    const key = roomKey(ws, randomUUID());
    const a = member();
    rooms.join(key, a);
    expect(rooms.setVoiceState(a.peerId, { selfMuted: true, selfDeafened: false })).toBe(true);
    expect(rooms.setVoiceState(a.peerId, { selfMuted: true, selfDeafened: false })).toBe(false);
    expect(rooms.members(key)).toEqual([{ ...a, selfMuted: true }]);
    expect(rooms.setVoiceState(randomUUID(), { selfMuted: true, selfDeafened: true })).toBe(false);
  });
});
