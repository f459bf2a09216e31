import type { Socket } from 'node:dgram';
import type { ByteRateLimiter } from './rateLimits';
import type { TransportAddress } from './stun/ipAddress';

/**
 * One TURN allocation (RFC 8656 section 2.2) and the client connection it belongs to. Plain data: the relay server
 * mutates it, this module only names the shapes and the small lookups the packet path needs.
 */
export interface ClientLink {
  /** The 5-tuple as a key: `udp|ip|port`, or `tcp|n` / `tls|n` for one connection. */
  readonly id: string;
  readonly transport: 'udp' | 'tcp' | 'tls';
  readonly remote: TransportAddress;
  /** Stream transports pad ChannelData to 4 bytes. */
  readonly stream: boolean;
  send(parts: readonly Buffer[]): void;
  /** One buffer, as is: the relay's common case, without an array or an iovec of parts. */
  sendOne(packet: Buffer): void;
  allocation: Allocation | null;
  /** An Allocate is in flight (waiting on the session check or a socket bind): retransmissions are dropped. */
  allocating: boolean;
  closed: boolean;
}

export interface Permission {
  expiresAt: number;
  /**
   * True when the address policy refused this IP and it was allowed only as one of this relay's own relayed
   * addresses (or as the SFU's): packets to or from it must then match a live allocation's port (or the SFU's media
   * ports) too, or any other UDP service on the relay host would be reachable through the loopback exception.
   */
  readonly ownOnly: boolean;
}

export interface ChannelBinding {
  readonly channel: number;
  readonly peer: TransportAddress;
  /** `ip|port`, the peer's key in `channelByPeer`. */
  readonly peerKey: string;
  expiresAt: number;
  /** What the data path worked out for this peer, reused until the relay's state changes (relayServer.ts). */
  route: PeerRoute | null;
}

/**
 * The per-peer facts the data path needs, looked up once and reused while `version` still matches the relay's
 * (every allocation, permission or channel change moves it on): a ChannelData packet then costs no string key and no
 * map lookup beyond its channel number. Expiry times are still read live, so a permission that lapses between two
 * changes stops traffic at once.
 */
export interface PeerRoute {
  readonly version: number;
  readonly sharedVersion: number;
  /** The sender's permission for the peer's IP. */
  readonly permission: Permission | undefined;
  /** The peer is a live relayed address of this relay (on any worker): what an `ownOnly` permission needs. */
  readonly peerIsOwn: boolean;
  /** The peer is an allocation of this relay process: the packet is handed over without the kernel. */
  readonly local: Allocation | undefined;
  /** The local peer's permission for the sender's relayed IP, and its channel to it. */
  readonly reversePermission: Permission | undefined;
  readonly reverseChannel: ChannelBinding | undefined;
}

export interface Allocation {
  readonly link: ClientLink;
  readonly username: string;
  readonly userId: string;
  readonly sessionId: string;
  /** The long-term key: signs responses to this client. */
  readonly key: Buffer;
  readonly socket: Socket;
  readonly relayed: TransportAddress;
  expiresAt: number;
  readonly permissions: Map<string, Permission>;
  readonly channels: Map<number, ChannelBinding>;
  readonly channelByPeer: Map<string, ChannelBinding>;
  readonly toPeer: ByteRateLimiter;
  readonly toClient: ByteRateLimiter;
  /** The Allocate transaction and its answer, replayed to a retransmission (RFC 8656 section 6.2). */
  readonly allocateTransaction: string;
  readonly allocateResponse: Buffer;
  /**
   * The user is server-muted where they are in voice: their RTP is dropped on the way out (mediaDemux.ts). Cached
   * here, set at Allocate and when the server says the policy changed, so the data path reads a boolean.
   */
  mediaBlocked: boolean;
  ended: boolean;
  /** The last peer a packet came from through the relayed socket, and what was worked out for it. */
  fromPeer: PeerMemo | null;
  /** ICE checks from peers this allocation has no permission for yet, kept briefly (relayServer.ts, holdCheck). */
  heldChecks: HeldCheck[] | null;
}

/** A peer's STUN packet that arrived before the permission its receiver was about to create. */
export interface HeldCheck {
  readonly address: string;
  readonly port: number;
  readonly data: Buffer;
  readonly until: number;
}

/** The relayed-socket side of PeerRoute: one peer's permission and channel, valid while the versions match. */
export interface PeerMemo {
  readonly address: string;
  readonly port: number;
  readonly version: number;
  readonly sharedVersion: number;
  readonly permission: Permission | undefined;
  readonly peerIsOwn: boolean;
  readonly channel: ChannelBinding | undefined;
}

export const peerKeyOf = (address: string, port: number): string => `${address}|${port}`;
