import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  WS_MAX_CANDIDATE_CHARS,
  WS_MAX_SDP_CHARS,
  WS_SUBPROTOCOL,
  parseClientMessage,
  parseServerMessage,
  wsProtocolsFor,
  wsTicketSchema,
} from '../../../shared/ws';

// The contract lives in shared/ws.ts; its tests sit here, with the server that is its first user.

const id = () => randomUUID();
const json = (value: unknown) => JSON.stringify(value);

describe('client messages (shared/ws.ts)', () => {
  it('accepts every message type in its documented shape', () => {
    const channelId = id();
    const valid = [
      { type: 'hello' },
      { type: 'resume', workspaceId: id(), lastSeq: 42 },
      { type: 'room.join', channelId },
      { type: 'room.leave', channelId },
      { type: 'signal', channelId, to: id(), description: { type: 'offer', sdp: 'v=0\r\n' } },
      { type: 'signal', channelId, to: id(), description: { type: 'rollback', sdp: '' } },
      { type: 'signal', channelId, to: id(), candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null } },
      { type: 'presence.set', state: 'dnd' },
    ];
    for (const message of valid) expect(parseClientMessage(json(message))).toEqual({ ok: true, value: message });
  });

  it.each([
    ['an unknown field', { type: 'hello', token: 'x' }],
    ['an unknown type', { type: 'room.kick', channelId: id() }],
    ['a sequential channel id', { type: 'room.join', channelId: '42' }],
    ['a negative sequence', { type: 'resume', workspaceId: id(), lastSeq: -1 }],
    [
      'both description and candidate',
      {
        type: 'signal',
        channelId: id(),
        to: id(),
        description: { type: 'offer', sdp: '' },
        candidate: { candidate: '' },
      },
    ],
    ['neither description nor candidate', { type: 'signal', channelId: id(), to: id() }],
    ['a pranswer', { type: 'signal', channelId: id(), to: id(), description: { type: 'pranswer', sdp: '' } }],
    [
      'an oversized SDP',
      {
        type: 'signal',
        channelId: id(),
        to: id(),
        description: { type: 'offer', sdp: 'a'.repeat(WS_MAX_SDP_CHARS + 1) },
      },
    ],
    [
      'an oversized candidate',
      { type: 'signal', channelId: id(), to: id(), candidate: { candidate: 'c'.repeat(WS_MAX_CANDIDATE_CHARS + 1) } },
    ],
    ['an unknown candidate field', { type: 'signal', channelId: id(), to: id(), candidate: { candidate: '', foo: 1 } }],
    ['a prototype key', JSON.parse('{"type":"hello","__proto__":{"admin":true}}')],
    ['a non-object', ['hello']],
  ])('refuses %s', (_what, message) => {
    const parsed = parseClientMessage(json(message));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('invalid_message');
  });

  it('never throws on hostile text, and whatever it accepts has a known type', () => {
    const known = new Set(['hello', 'resume', 'room.join', 'room.leave', 'signal', 'presence.set']);
    const messageLike = fc.record(
      {
        type: fc.constantFrom(...known, 'event', 'welcome'),
        channelId: fc.oneof(fc.uuid({ version: 4 }), fc.string()),
        to: fc.uuid({ version: 4 }),
        workspaceId: fc.uuid({ version: 7 }),
        lastSeq: fc.oneof(fc.integer(), fc.double()),
        state: fc.string(),
        candidate: fc.record({ candidate: fc.string() }, { requiredKeys: [] }),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), messageLike.map(json)), (text) => {
        const parsed = parseClientMessage(text);
        if (parsed.ok) expect(known.has(parsed.value.type)).toBe(true);
        else expect(parsed.error.message.length).toBeLessThanOrEqual(500);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('server messages (shared/ws.ts)', () => {
  it('parses an event with its typed payload and refuses a payload of another type', () => {
    const workspaceId = id();
    const event = { id: id(), seq: 7, workspaceId, at: 1_700_000_000_000 };
    const online = { type: 'event', event: { ...event, type: 'member.online', payload: { userId: id() } } };
    expect(parseServerMessage(json(online)).ok).toBe(true);
    const mixed = { type: 'event', event: { ...event, type: 'member.online', payload: { channelId: id() } } };
    expect(parseServerMessage(json(mixed)).ok).toBe(false);
    const seqZero = { type: 'event', event: { ...online.event, seq: 0 } };
    expect(parseServerMessage(json(seqZero)).ok).toBe(false);
  });

  it('offers the version first and the ticket as a second protocol', () => {
    const ticket = 'A'.repeat(43);
    expect(wsTicketSchema.safeParse(ticket).success).toBe(true);
    expect(wsProtocolsFor(ticket)).toEqual([WS_SUBPROTOCOL, `ticket.${ticket}`]);
  });
});
