/**
 * What a relayed datagram carries, by the first-byte ranges every WebRTC endpoint already demultiplexes by
 * (RFC 7983 section 7, and RFC 5761 section 4 for RTP against RTCP on one port). The relay reads only these clear
 * header bytes: the payload of SRTP and DTLS stays opaque to it.
 */
export type RelayedPacketKind = 'stun' | 'zrtp' | 'dtls' | 'turn_channel' | 'rtp' | 'rtcp' | 'unknown';

/** RTCP packet types (SR 200, RR 201, ... RFC 5761 keeps 192-223 for them): RTP's marker bit plus payload types 64-95. */
const RTCP_TYPE_MIN = 192;
const RTCP_TYPE_MAX = 223;
/** Common header plus the sender's SSRC: anything shorter is no RTCP packet, whatever its second byte says. */
const RTCP_MIN_BYTES = 8;

export function classifyRelayedPacket(packet: Uint8Array): RelayedPacketKind {
  const first = packet[0];
  if (first === undefined) return 'unknown';
  if (first <= 3) return 'stun';
  if (first >= 16 && first <= 19) return 'zrtp';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 64 && first <= 79) return 'turn_channel';
  if (first >= 128 && first <= 191) {
    const second = packet[1] ?? 0;
    return second >= RTCP_TYPE_MIN && second <= RTCP_TYPE_MAX && packet.length >= RTCP_MIN_BYTES ? 'rtcp' : 'rtp';
  }
  return 'unknown';
}

/**
 * What still flows from a server-muted user: ICE (STUN connectivity checks and consent freshness), DTLS (the
 * handshake, and data channels inside it) and RTCP, so the call stays up and an unmute is heard at once. RTP and
 * anything no WebRTC endpoint would accept are dropped: an allow-list, so a packet dressed in an unused range does
 * not slip through.
 */
export function passesServerMute(packet: Uint8Array): boolean {
  const kind = classifyRelayedPacket(packet);
  return kind === 'stun' || kind === 'dtls' || kind === 'rtcp';
}
