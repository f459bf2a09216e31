import { HEADER_LENGTH, MAGIC_COOKIE } from './constants';

/**
 * Cuts STUN messages and ChannelData messages out of a TCP or TLS byte stream (RFC 8656 section 12.5: the first two
 * bits tell them apart, 00 for STUN and 01 for ChannelData; ChannelData is padded to 4 bytes on streams). Frames are
 * handed out as they complete, so the buffer holds at most one partial frame, and a frame larger than the limit or
 * a byte that starts neither kind ends the stream: there is no way to resynchronise a corrupt stream.
 *
 * Each header is judged as soon as its first bytes arrive, not once the frame it announces is complete: a STUN
 * header must carry the magic cookie, and ChannelData must be expected at all (`channelDataAllowed`). Otherwise
 * other protocols' bytes would be read as a length (`GET / HTTP/1.1` announces a 21,540-byte ChannelData frame) and
 * the stream would sit waiting for bytes that never come, swallowing everything after them.
 */
export type FrameKind = 'stun' | 'channel';

export type FramerError = 'bad_frame' | 'frame_too_large';

export interface StreamFramer {
  /** Feeds bytes; calls `onFrame` for each complete frame. Returns an error once the stream cannot be framed. */
  push(chunk: Buffer, onFrame: (kind: FrameKind, frame: Buffer) => void): FramerError | null;
  /** Bytes waiting for the rest of their frame. */
  readonly buffered: number;
}

/** The largest STUN message (a 16-bit length after the 20-byte header) is the natural ceiling. */
export const DEFAULT_MAX_FRAME_BYTES = HEADER_LENGTH + 0xffff;

export interface StreamFramerOptions {
  readonly maxFrameBytes?: number;
  /**
   * Asked when a ChannelData header starts: false ends the stream. The relay answers false until the connection
   * holds an allocation, since no channel can be bound before one; a client expects ChannelData at any time.
   */
  readonly channelDataAllowed?: () => boolean;
}

export function createStreamFramer(options: StreamFramerOptions = {}): StreamFramer {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const channelDataAllowed = options.channelDataAllowed ?? (() => true);
  let pending: Buffer = Buffer.alloc(0);
  let failed: FramerError | null = null;

  /** Length of the frame starting at `data[offset]`, 0 if its header is incomplete, or an error. */
  const frameLength = (data: Buffer, offset: number): number | FramerError => {
    const available = data.length - offset;
    const first = data[offset] ?? 0;
    const kind = first >> 6;
    if (kind > 1) return 'bad_frame';
    if (kind === 0) {
      // Without the cookie this is no STUN message (RFC 8489 section 5): another protocol, or a stream out of step.
      if (available >= 8 && data.readUInt32BE(offset + 4) !== MAGIC_COOKIE) return 'bad_frame';
      if (available < 4) return 0;
      const length = HEADER_LENGTH + data.readUInt16BE(offset + 2);
      return length % 4 !== 0 ? 'bad_frame' : length;
    }
    if (!channelDataAllowed()) return 'bad_frame';
    if (available < 4) return 0;
    const length = 4 + data.readUInt16BE(offset + 2);
    return (length + 3) & ~3;
  };

  return {
    get buffered() {
      return pending.length;
    },
    push(chunk, onFrame) {
      if (failed !== null) return failed;
      const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (offset < data.length) {
        const length = frameLength(data, offset);
        if (typeof length === 'string') {
          failed = length;
          pending = Buffer.alloc(0);
          return failed;
        }
        if (length > maxFrameBytes) {
          failed = 'frame_too_large';
          pending = Buffer.alloc(0);
          return failed;
        }
        if (length === 0 || offset + length > data.length) break;
        const kind: FrameKind = (data[offset] ?? 0) >> 6 === 0 ? 'stun' : 'channel';
        onFrame(kind, data.subarray(offset, offset + length));
        offset += length;
      }
      // Copy the tail: keeping a view would pin the whole (possibly large) chunk in memory.
      pending = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
      return null;
    },
  };
}
