import { Attr, HEADER_LENGTH, MAGIC_COOKIE, TRANSACTION_ID_LENGTH, type StunClass } from './constants';
import {
  fingerprintOf,
  hmacOf,
  integrityAttributeFor,
  SHA1_INTEGRITY_LENGTH,
  SHA256_INTEGRITY_LENGTH,
} from './integrity';

/**
 * STUN message parsing and serialization (RFC 8489 sections 5, 6 and 14). The parser takes bytes from anyone on
 * the network: it checks every length against the buffer before reading, returns a typed error instead of throwing,
 * and keeps attribute values as views into the packet (no copies on the hot path).
 */
export interface StunAttribute {
  readonly type: number;
  readonly value: Buffer;
  /** Offset of the attribute's header inside `raw`: the integrity checks hash everything before it. */
  readonly offset: number;
}

export interface StunMessage {
  readonly method: number;
  readonly cls: StunClass;
  readonly transactionId: Buffer;
  /** Attributes before MESSAGE-INTEGRITY, in order, duplicates kept (CreatePermission repeats XOR-PEER-ADDRESS). */
  readonly attributes: readonly StunAttribute[];
  readonly integrity: StunAttribute | null;
  readonly integritySha256: StunAttribute | null;
  /** True when a FINGERPRINT was present, last, and correct (a wrong one is a parse error). */
  readonly fingerprint: boolean;
  readonly raw: Buffer;
}

export type StunParseError =
  | 'too_short'
  | 'not_stun'
  | 'bad_cookie'
  | 'bad_length'
  | 'truncated_attribute'
  | 'too_many_attributes'
  | 'attribute_after_fingerprint'
  | 'bad_fingerprint';

export type StunParseResult =
  { readonly ok: true; readonly message: StunMessage } | { readonly ok: false; readonly error: StunParseError };

/** Plenty for any TURN request; a packet of hundreds of tiny attributes is only a way to burn CPU. */
export const MAX_ATTRIBUTES = 64;

const padded = (length: number) => (length + 3) & ~3;

/** True when the first bytes look like a STUN header (top two bits zero and the magic cookie). */
export function looksLikeStun(packet: Uint8Array): boolean {
  return (
    packet.length >= HEADER_LENGTH &&
    (packet[0] ?? 0xff) < 0x40 &&
    packet[4] === 0x21 &&
    packet[5] === 0x12 &&
    packet[6] === 0xa4 &&
    packet[7] === 0x42
  );
}

export function decodeMessageType(type: number): { method: number; cls: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = (((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)) as StunClass;
  return { method, cls };
}

export function encodeMessageType(method: number, cls: StunClass): number {
  return (
    (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 0b10) << 7) | ((cls & 0b01) << 4)
  );
}

/** Parses one whole STUN message: `packet` must be exactly the message (a datagram, or a frame cut from a stream). */
export function parseStun(packet: Buffer): StunParseResult {
  if (packet.length < HEADER_LENGTH) return { ok: false, error: 'too_short' };
  const type = packet.readUInt16BE(0);
  if (type & 0xc000) return { ok: false, error: 'not_stun' };
  if (packet.readUInt32BE(4) !== MAGIC_COOKIE) return { ok: false, error: 'bad_cookie' };
  const length = packet.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_LENGTH + length !== packet.length) return { ok: false, error: 'bad_length' };

  const attributes: StunAttribute[] = [];
  let integrity: StunAttribute | null = null;
  let integritySha256: StunAttribute | null = null;
  let fingerprint = false;
  let count = 0;
  for (let offset = HEADER_LENGTH; offset < packet.length;) {
    if (fingerprint) return { ok: false, error: 'attribute_after_fingerprint' };
    if (offset + 4 > packet.length) return { ok: false, error: 'truncated_attribute' };
    if (++count > MAX_ATTRIBUTES) return { ok: false, error: 'too_many_attributes' };
    const attributeType = packet.readUInt16BE(offset);
    const valueLength = packet.readUInt16BE(offset + 2);
    const next = offset + 4 + padded(valueLength);
    if (next > packet.length) return { ok: false, error: 'truncated_attribute' };
    const attribute = { type: attributeType, value: packet.subarray(offset + 4, offset + 4 + valueLength), offset };
    if (attributeType === Attr.FINGERPRINT) {
      if (valueLength !== 4 || next !== packet.length) return { ok: false, error: 'bad_fingerprint' };
      if (attribute.value.readUInt32BE(0) !== fingerprintOf(packet.subarray(0, offset))) {
        return { ok: false, error: 'bad_fingerprint' };
      }
      fingerprint = true;
    } else if (integritySha256 !== null) {
      // RFC 8489 section 14.6: after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT counts; the rest is ignored.
    } else if (attributeType === Attr.MESSAGE_INTEGRITY_SHA256) {
      integritySha256 = attribute;
    } else if (integrity !== null) {
      // Section 14.5: attributes after MESSAGE-INTEGRITY are ignored, they are not covered by the HMAC.
    } else if (attributeType === Attr.MESSAGE_INTEGRITY) {
      integrity = attribute;
    } else {
      attributes.push(attribute);
    }
    offset = next;
  }
  const { method, cls } = decodeMessageType(type);
  return {
    ok: true,
    message: {
      method,
      cls,
      transactionId: packet.subarray(8, 8 + TRANSACTION_ID_LENGTH),
      attributes,
      integrity,
      integritySha256,
      fingerprint,
      raw: packet,
    },
  };
}

export function getAttribute(message: StunMessage, type: number): Buffer | undefined {
  for (const attribute of message.attributes) if (attribute.type === type) return attribute.value;
  return undefined;
}

export function getAttributes(message: StunMessage, type: number): Buffer[] {
  return message.attributes.filter((attribute) => attribute.type === type).map((attribute) => attribute.value);
}

export interface OutgoingAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface OutgoingMessage {
  readonly method: number;
  readonly cls: StunClass;
  readonly transactionId: Uint8Array;
  readonly attributes: readonly OutgoingAttribute[];
}

export interface SignOptions {
  /** Adds MESSAGE-INTEGRITY (sha1, the default) or MESSAGE-INTEGRITY-SHA256 keyed with `key`. */
  readonly integrity?: { readonly key: Uint8Array; readonly kind?: 'sha1' | 'sha256' };
  readonly fingerprint?: boolean;
}

/** Serializes a message, zero-padding attributes to 4 bytes and appending integrity and fingerprint as asked. */
export function encodeStun(message: OutgoingMessage, sign: SignOptions = {}): Buffer {
  if (message.transactionId.length !== TRANSACTION_ID_LENGTH) throw new RangeError('transaction id must be 12 bytes');
  const integrityKind = sign.integrity ? (sign.integrity.kind ?? 'sha1') : null;
  const integrityLength =
    integrityKind === null ? 0 : 4 + (integrityKind === 'sha1' ? SHA1_INTEGRITY_LENGTH : SHA256_INTEGRITY_LENGTH);
  let bodyLength = 0;
  for (const attribute of message.attributes) {
    if (attribute.value.length > 0xffff) throw new RangeError('attribute value too long');
    bodyLength += 4 + padded(attribute.value.length);
  }
  const total = HEADER_LENGTH + bodyLength + integrityLength + (sign.fingerprint ? 8 : 0);
  if (total - HEADER_LENGTH > 0xffff) throw new RangeError('message too long');
  const out = Buffer.alloc(total);
  out.writeUInt16BE(encodeMessageType(message.method, message.cls), 0);
  out.writeUInt16BE(bodyLength, 2);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  out.set(message.transactionId, 8);
  let offset = HEADER_LENGTH;
  for (const attribute of message.attributes) {
    out.writeUInt16BE(attribute.type, offset);
    out.writeUInt16BE(attribute.value.length, offset + 2);
    out.set(attribute.value, offset + 4);
    offset += 4 + padded(attribute.value.length);
  }
  if (sign.integrity && integrityKind !== null) {
    out.writeUInt16BE(offset + integrityLength - HEADER_LENGTH, 2);
    const mac = hmacOf(integrityKind, sign.integrity.key, out.subarray(0, offset));
    out.writeUInt16BE(integrityAttributeFor(integrityKind), offset);
    out.writeUInt16BE(mac.length, offset + 2);
    out.set(mac, offset + 4);
    offset += 4 + mac.length;
  }
  if (sign.fingerprint) {
    out.writeUInt16BE(offset + 8 - HEADER_LENGTH, 2);
    const crc = fingerprintOf(out.subarray(0, offset));
    out.writeUInt16BE(Attr.FINGERPRINT, offset);
    out.writeUInt16BE(4, offset + 2);
    out.writeUInt32BE(crc, offset + 4);
  }
  return out;
}
