import { errorReasons, MAGIC_COOKIE } from './constants';
import { bytesToIp, ipToBytes, type TransportAddress } from './ipAddress';

/**
 * Typed readers and writers for attribute values. Readers take a value that came off the network and return null
 * for anything that is not exactly the shape the RFC gives, so the relay answers 400 instead of guessing.
 */

/** XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS share one layout (RFC 8489 section 14.2). */
export function readXorAddress(value: Buffer, transactionId: Uint8Array): TransportAddress | null {
  if (value.length !== 8 && value.length !== 20) return null;
  const family = value[1];
  if (value[0] !== 0 || (family === 0x01 ? value.length !== 8 : family !== 0x02 || value.length !== 20)) return null;
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const mask = xorMask(transactionId);
  const bytes = Buffer.alloc(value.length - 4);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = (value[4 + i] ?? 0) ^ (mask[i] ?? 0);
  const address = bytesToIp(bytes);
  return address === null ? null : { family: family === 0x01 ? 4 : 6, address, port };
}

export function writeXorAddress(
  address: Pick<TransportAddress, 'address' | 'port'>,
  transactionId: Uint8Array,
): Buffer {
  const bytes = ipToBytes(address.address);
  if (bytes === null) throw new TypeError('not an IP address');
  const out = Buffer.alloc(4 + bytes.length);
  out[1] = bytes.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE((address.port ^ (MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  const mask = xorMask(transactionId);
  for (let i = 0; i < bytes.length; i += 1) out[4 + i] = (bytes[i] ?? 0) ^ (mask[i] ?? 0);
  return out;
}

/** The magic cookie, then the transaction id: IPv4 uses the first 4 bytes, IPv6 all 16. */
function xorMask(transactionId: Uint8Array): Buffer {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  mask.set(transactionId.subarray(0, 12), 4);
  return mask;
}

/** UTF-8 text of at most `maxBytes`; invalid UTF-8 (which would not survive a round trip) is refused. */
export function readText(value: Buffer, maxBytes: number): string | null {
  if (value.length > maxBytes) return null;
  const text = value.toString('utf8');
  return Buffer.byteLength(text, 'utf8') === value.length && Buffer.from(text, 'utf8').equals(value) ? text : null;
}

export function writeText(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export interface ErrorCodeValue {
  readonly code: number;
  readonly reason: string;
}

export function readErrorCode(value: Buffer): ErrorCodeValue | null {
  if (value.length < 4 || value.length > 4 + 763) return null;
  const errorClass = (value[2] ?? 0) & 0x07;
  const number = value[3] ?? 100;
  if (errorClass < 3 || errorClass > 6 || number > 99) return null;
  const reason = readText(value.subarray(4), 763);
  return reason === null ? null : { code: errorClass * 100 + number, reason };
}

export function writeErrorCode(code: number, reason = errorReasons[code] ?? ''): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.alloc(4 + text.length);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  out.set(text, 4);
  return out;
}

export function readUnknownAttributes(value: Buffer): number[] | null {
  if (value.length % 2 !== 0) return null;
  const types: number[] = [];
  for (let i = 0; i < value.length; i += 2) types.push(value.readUInt16BE(i));
  return types;
}

export function writeUnknownAttributes(types: readonly number[]): Buffer {
  const out = Buffer.alloc(types.length * 2);
  types.forEach((type, index) => out.writeUInt16BE(type, index * 2));
  return out;
}

export function readUint32(value: Buffer): number | null {
  return value.length === 4 ? value.readUInt32BE(0) : null;
}

export function writeUint32(number: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(number >>> 0, 0);
  return out;
}

/** REQUESTED-TRANSPORT: the IANA protocol number, then three RFFU bytes. */
export function readRequestedTransport(value: Buffer): number | null {
  return value.length === 4 ? (value[0] ?? null) : null;
}

export function writeRequestedTransport(protocol: number): Buffer {
  return Buffer.from([protocol, 0, 0, 0]);
}

/** CHANNEL-NUMBER: the number, then two RFFU bytes. */
export function readChannelNumber(value: Buffer): number | null {
  return value.length === 4 ? value.readUInt16BE(0) : null;
}

export function writeChannelNumber(channel: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(channel, 0);
  return out;
}

/** EVEN-PORT: one byte whose top bit asks to reserve the next port too. */
export function readEvenPort(value: Buffer): { reserveNext: boolean } | null {
  return value.length === 1 ? { reserveNext: ((value[0] ?? 0) & 0x80) !== 0 } : null;
}

/** REQUESTED-ADDRESS-FAMILY: 0x01 IPv4, 0x02 IPv6, three RFFU bytes. */
export function readAddressFamily(value: Buffer): 4 | 6 | null {
  if (value.length !== 4) return null;
  if (value[0] === 0x01) return 4;
  return value[0] === 0x02 ? 6 : null;
}
