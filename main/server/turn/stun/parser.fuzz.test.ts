import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readAddressFamily,
  readChannelNumber,
  readErrorCode,
  readEvenPort,
  readRequestedTransport,
  readText,
  readUint32,
  readUnknownAttributes,
  readXorAddress,
} from './attributes';
import { parseChannelData } from './channelData';
import { Attr, StunClass } from './constants';
import { checkIntegrity } from './integrity';
import { encodeStun, parseStun, type OutgoingMessage } from './message';
import { createStreamFramer } from './streamFramer';

/**
 * Hostile-input property: whatever bytes arrive, the parser, the attribute readers, the integrity check, the
 * ChannelData parser and the stream framer return a value and never throw. Valid messages are generated, encoded,
 * then mutated the ways broken or malicious senders mutate them: flipped bytes, truncation, lying length fields,
 * appended junk. 100,000+ packets in total.
 */
const key = Buffer.alloc(16, 7);
/** Integrity and fingerprint are added by the encoder; as free attributes they would end the list early. */
const special = new Set<number>([Attr.MESSAGE_INTEGRITY, Attr.MESSAGE_INTEGRITY_SHA256, Attr.FINGERPRINT]);
const knownTypes = Object.values(Attr).filter((type) => !special.has(type));

const attribute = fc.record({
  type: fc.oneof(
    fc.constantFrom(...knownTypes),
    fc.integer({ min: 0, max: 0xffff }).filter((type) => !special.has(type)),
  ),
  value: fc.uint8Array({ maxLength: 48 }),
});

interface Generated {
  message: OutgoingMessage;
  integrity: 'sha1' | 'sha256' | null;
  fingerprint: boolean;
}

const message: fc.Arbitrary<Generated> = fc.record({
  message: fc.record({
    method: fc.integer({ min: 0, max: 0xfff }),
    cls: fc.constantFrom(StunClass.request, StunClass.indication, StunClass.success, StunClass.error),
    transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    attributes: fc.array(attribute, { maxLength: 8 }),
  }),
  integrity: fc.constantFrom('sha1' as const, 'sha256' as const, null),
  fingerprint: fc.boolean(),
});

function encode(input: Generated): Buffer {
  return encodeStun(input.message, {
    ...(input.integrity ? { integrity: { key, kind: input.integrity } } : {}),
    fingerprint: input.fingerprint,
  });
}

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; at: number; value: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
);

function mutate(packet: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(packet);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = ('at' in m ? m.at : 0) % out.length;
    switch (m.kind) {
      case 'flip':
        out[at] = (out[at] ?? 0) ^ m.mask;
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'length': {
        // Lie in a 16-bit length: the header's (offset 2) or, at a 4-aligned offset past it, an attribute's.
        const offset = at < 20 ? 2 : (at & ~3) + 2;
        if (offset + 2 <= out.length) out.writeUInt16BE(m.value, offset);
        break;
      }
      case 'append':
        out = Buffer.concat([out, m.bytes]);
        break;
      case 'splice':
        out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at + m.bytes.length)]);
        break;
    }
  }
  return out;
}

/** Everything the relay would do with an untrusted packet before deciding what it is. */
function digest(packet: Buffer): void {
  const parsed = parseStun(packet);
  if (parsed.ok) {
    checkIntegrity(parsed.message, key);
    for (const { value } of parsed.message.attributes) {
      readXorAddress(value, parsed.message.transactionId);
      readText(value, 763);
      readErrorCode(value);
      readUnknownAttributes(value);
      readUint32(value);
      readRequestedTransport(value);
      readChannelNumber(value);
      readEvenPort(value);
      readAddressFamily(value);
    }
  }
  parseChannelData(packet);
}

describe('STUN/TURN parser fuzz', () => {
  it('round-trips generated messages (20,000)', () => {
    fc.assert(
      fc.property(message, (generated) => {
        const bytes = encode(generated);
        const parsed = parseStun(bytes);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.message.fingerprint).toBe(generated.fingerprint);
        if (generated.integrity) expect(checkIntegrity(parsed.message, key)).toBe('ok');
        expect(parsed.message.attributes.map((a) => [a.type, Buffer.from(a.value).toString('hex')])).toEqual(
          generated.message.attributes.map((a) => [a.type, Buffer.from(a.value).toString('hex')]),
        );
        digest(bytes);
      }),
      { numRuns: 20_000 },
    );
  });

  it('never throws on mutated messages (60,000)', () => {
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4 }), (generated, mutations) => {
        digest(mutate(encode(generated), mutations));
      }),
      { numRuns: 60_000 },
    );
  });

  it('never throws on random bytes, with and without a STUN-looking header (20,000)', () => {
    const header = fc
      .tuple(
        fc.integer({ min: 0, max: 0x3fff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
      )
      .map(([type, length, tid]) => {
        const out = Buffer.alloc(20);
        out.writeUInt16BE(type, 0);
        out.writeUInt16BE(length, 2);
        out.writeUInt32BE(0x2112a442, 4);
        out.set(tid, 8);
        return out;
      });
    fc.assert(
      fc.property(fc.option(header), fc.uint8Array({ maxLength: 120 }), (prefix, body) => {
        digest(prefix === null ? Buffer.from(body) : Buffer.concat([prefix, body]));
      }),
      { numRuns: 20_000 },
    );
  });

  it('frames streams cut at any points without throwing, and recovers whole messages (5,000 streams)', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        fc.option(fc.array(mutation, { maxLength: 3 })),
        (messages, cuts, mutations) => {
          const whole = messages.map(encode);
          let stream: Buffer = Buffer.concat(whole);
          if (mutations !== null) stream = mutate(stream, mutations);
          const framer = createStreamFramer({ maxFrameBytes: 4096 });
          const frames: Buffer[] = [];
          let offset = 0;
          let cut = 0;
          while (offset < stream.length) {
            const size = cuts[cut++ % cuts.length]!;
            const error = framer.push(stream.subarray(offset, offset + size), (_kind, frame) => {
              frames.push(Buffer.from(frame));
              digest(frame);
            });
            offset += size;
            if (error !== null) break;
          }
          if (mutations === null)
            expect(frames.map((f) => f.toString('hex'))).toEqual(whole.map((w) => w.toString('hex')));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
