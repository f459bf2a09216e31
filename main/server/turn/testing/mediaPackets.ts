import { randomBytes } from 'node:crypto';
import { StunClass, StunMethod } from '../stun/constants';
import { encodeStun } from '../stun/message';

/**
 * The four kinds of packet a WebRTC endpoint sends through its relay, byte-exact in the headers the relay may read
 * (RFC 7983) and opaque after them, as SRTP, SRTCP and DTLS payloads are to the relay. For tests only.
 */

/** An RTP header (RFC 3550 section 5.1; V=2, no CSRC) with the payload type and marker bit, then `payloadBytes`. */
export function rtpPacket(payloadType = 111, options: { marker?: boolean; payloadBytes?: number; seq?: number } = {}) {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (options.marker ? 0x80 : 0) | payloadType;
  header.writeUInt16BE((options.seq ?? 4711) & 0xffff, 2);
  header.writeUInt32BE(960 * 17, 4);
  header.writeUInt32BE(0x1234abcd, 8);
  return Buffer.concat([header, randomBytes(options.payloadBytes ?? 60)]);
}

/** An RTCP packet (RFC 3550 section 6.4): V=2, report count, packet type (SR 200, RR 201, ...), sender SSRC. */
export function rtcpPacket(packetType = 201, count = 1, words = 7): Buffer {
  const packet = Buffer.alloc(4 * (words + 1));
  packet[0] = 0x80 | count;
  packet[1] = packetType;
  packet.writeUInt16BE(words, 2);
  packet.writeUInt32BE(0x1234abcd, 4);
  return packet;
}

/** A DTLS 1.2 record header (content type 22 handshake, 23 application data) and an opaque body. */
export function dtlsRecord(contentType = 22, bodyBytes = 40): Buffer {
  const header = Buffer.from([contentType, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, bodyBytes]);
  return Buffer.concat([header, randomBytes(bodyBytes)]);
}

/** An ICE connectivity check or consent freshness request: a STUN Binding request. */
export function stunBindingRequest(): Buffer {
  return encodeStun(
    { method: StunMethod.binding, cls: StunClass.request, transactionId: randomBytes(12), attributes: [] },
    { fingerprint: true },
  );
}
