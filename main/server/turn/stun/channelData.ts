import { MAX_CHANNEL, MIN_CHANNEL } from './constants';

/**
 * ChannelData messages (RFC 8656 section 12.4): a 4-byte header (channel number 0x4000-0x4FFF, data length) and
 * the application data. Over UDP the padding is optional; over TCP and TLS each message is padded to 4 bytes so the
 * stream stays aligned.
 */
export const CHANNEL_HEADER_LENGTH = 4;

export interface ChannelDataView {
  readonly channel: number;
  /** A view into the packet. */
  readonly data: Buffer;
}

export type ChannelDataParseError = 'too_short' | 'not_channel_data' | 'bad_channel' | 'bad_length';

export type ChannelDataParseResult =
  | { readonly ok: true; readonly message: ChannelDataView }
  | { readonly ok: false; readonly error: ChannelDataParseError };

export function isChannelNumber(channel: number): boolean {
  return Number.isInteger(channel) && channel >= MIN_CHANNEL && channel <= MAX_CHANNEL;
}

/** Parses a datagram or a frame; the declared length may be shorter than the packet (padding), never longer. */
export function parseChannelData(packet: Buffer): ChannelDataParseResult {
  if (packet.length < CHANNEL_HEADER_LENGTH) return { ok: false, error: 'too_short' };
  const channel = packet.readUInt16BE(0);
  if ((channel & 0xc000) !== 0x4000) return { ok: false, error: 'not_channel_data' };
  if (!isChannelNumber(channel)) return { ok: false, error: 'bad_channel' };
  const length = packet.readUInt16BE(2);
  if (CHANNEL_HEADER_LENGTH + length > packet.length) return { ok: false, error: 'bad_length' };
  // More than 3 bytes of slack is not padding: refuse it rather than relay a half-understood packet.
  if (packet.length - CHANNEL_HEADER_LENGTH - length > 3) return { ok: false, error: 'bad_length' };
  return {
    ok: true,
    message: { channel, data: packet.subarray(CHANNEL_HEADER_LENGTH, CHANNEL_HEADER_LENGTH + length) },
  };
}

/** The 4-byte header alone, so a sender can hand [header, data] to a socket without copying the data. */
export function channelDataHeader(channel: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(CHANNEL_HEADER_LENGTH);
  header.writeUInt16BE(channel, 0);
  header.writeUInt16BE(length, 2);
  return header;
}

/** Zero bytes to append after a ChannelData message of `length` data bytes on a stream transport. */
export function streamPaddingFor(length: number): number {
  return (4 - (length % 4)) % 4;
}

export function encodeChannelData(channel: number, data: Uint8Array, stream = false): Buffer {
  if (!isChannelNumber(channel)) throw new RangeError('channel number out of range');
  if (data.length > 0xffff) throw new RangeError('channel data too long');
  const pad = stream ? streamPaddingFor(data.length) : 0;
  const out = Buffer.alloc(CHANNEL_HEADER_LENGTH + data.length + pad);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  out.set(data, CHANNEL_HEADER_LENGTH);
  return out;
}
