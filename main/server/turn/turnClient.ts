import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  readErrorCode,
  readText,
  readXorAddress,
  writeChannelNumber,
  writeRequestedTransport,
  writeText,
  writeUint32,
  writeXorAddress,
} from './stun/attributes';
import { encodeChannelData, parseChannelData } from './stun/channelData';
import { Attr, StunClass, StunMethod, TRANSPORT_UDP } from './stun/constants';
import { checkIntegrity, longTermKey } from './stun/integrity';
import type { TransportAddress } from './stun/ipAddress';
import { encodeStun, getAttribute, parseStun, type OutgoingAttribute, type StunMessage } from './stun/message';
import { createStreamFramer } from './stun/streamFramer';

/**
 * A small TURN client built on the relay's own codec. The network doctor uses it to check a server from where a
 * user sits (binding, allocations over UDP, TCP and TLS, a relayed round trip); the relay's tests use it through
 * testing/turnTestClient.ts because it speaks exactly the messages it is told to, including wrong ones (another
 * realm, an old nonce), which real clients cannot be made to send.
 */
export interface Answer {
  readonly message: StunMessage;
  readonly errorCode: number | null;
  /** Whether the answer's MESSAGE-INTEGRITY checked out under this client's key (false when it had none). */
  readonly signed: boolean;
}

export type Incoming =
  | { readonly kind: 'data'; readonly peer: TransportAddress; readonly data: Buffer }
  | { readonly kind: 'channel'; readonly channel: number; readonly data: Buffer };

export interface TurnClient {
  readonly local: { readonly address: string; readonly port: number };
  /** Realm and nonce learned from the last 401/438, or set by a test. */
  realm: string | null;
  nonce: string | null;
  /** `attributes` may be built from the transaction id (XOR addresses are). */
  request(
    method: number,
    attributes: OutgoingAttribute[] | ((transactionId: Buffer) => OutgoingAttribute[]),
    options?: { auth?: boolean },
  ): Promise<Answer>;
  /** Allocate with the challenge round trip; returns the relayed address or the error answer. */
  allocate(extra?: OutgoingAttribute[]): Promise<{ relayed: TransportAddress | null; answer: Answer }>;
  refresh(lifetime: number): Promise<Answer>;
  createPermission(...peers: Pick<TransportAddress, 'address' | 'port'>[]): Promise<Answer>;
  channelBind(channel: number, peer: Pick<TransportAddress, 'address' | 'port'>): Promise<Answer>;
  send(peer: Pick<TransportAddress, 'address' | 'port'>, data: Buffer): void;
  sendChannel(channel: number, data: Buffer): void;
  /** Data and ChannelData received so far (and from now on). */
  readonly received: Incoming[];
  waitFor(count: number, timeoutMs?: number): Promise<Incoming[]>;
  close(): Promise<void>;
}

export interface TurnClientOptions {
  readonly server: { readonly host: string; readonly port: number };
  readonly transport?: 'udp' | 'tcp' | 'tls';
  /** For 'tls': the relay's certificate to trust (tests make their own). */
  readonly ca?: string;
  /**
   * For 'tls': opens the connection instead (the doctor's, which checks the server's pinned key before a TURN
   * byte is written).
   */
  readonly connectTls?: () => Promise<Socket>;
  /** For 'udp': the local address to bind; every interface of the server's family unless given. */
  readonly bindAddress?: string;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs?: number;
  /** MESSAGE-INTEGRITY (sha1, what browsers and coturn use) or MESSAGE-INTEGRITY-SHA256. */
  readonly integrity?: 'sha1' | 'sha256';
}

export async function createTurnClient(options: TurnClientOptions): Promise<TurnClient> {
  const transport = options.transport ?? 'udp';
  const pending = new Map<string, (message: StunMessage) => void>();
  const received: Incoming[] = [];
  const waiters: (() => void)[] = [];
  const onPacket = (packet: Buffer) => {
    const first = packet[0] ?? 0xff;
    if (first >= 0x40 && first < 0x80) {
      const channel = parseChannelData(packet);
      if (channel.ok)
        received.push({ kind: 'channel', channel: channel.message.channel, data: Buffer.from(channel.message.data) });
    } else {
      const parsed = parseStun(packet);
      if (!parsed.ok) return;
      const message = parsed.message;
      if (message.cls === StunClass.indication && message.method === StunMethod.data) {
        const peer = readXorAddress(
          getAttribute(message, Attr.XOR_PEER_ADDRESS) ?? Buffer.alloc(0),
          message.transactionId,
        );
        const data = getAttribute(message, Attr.DATA);
        if (peer !== null && data !== undefined) received.push({ kind: 'data', peer, data: Buffer.from(data) });
      } else {
        pending.get(message.transactionId.toString('hex'))?.(message);
      }
    }
    for (const wake of waiters.splice(0)) wake();
  };

  let write: (bytes: Buffer) => void;
  let local: { address: string; port: number };
  let closeTransport: () => Promise<void>;
  if (transport === 'udp') {
    const socket: UdpSocket = createSocket(isIP(options.server.host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, options.bindAddress, resolve));
    socket.on('message', onPacket);
    // An ICMP port-unreachable surfaces here on some systems; the request's timeout reports it either way.
    socket.on('error', () => undefined);
    write = (bytes) => socket.send(bytes, options.server.port, options.server.host);
    local = { address: socket.address().address, port: socket.address().port };
    closeTransport = () => new Promise((resolve) => socket.close(() => resolve()));
  } else {
    let socket: Socket;
    if (transport === 'tls' && options.connectTls !== undefined) {
      socket = await options.connectTls();
    } else {
      socket =
        transport === 'tls'
          ? connectTls({ host: options.server.host, port: options.server.port, ca: options.ca, servername: '' })
          : connect({ host: options.server.host, port: options.server.port });
      await new Promise<void>((resolve, reject) => {
        socket.once(transport === 'tls' ? 'secureConnect' : 'connect', resolve);
        socket.once('error', reject);
      });
    }
    const framer = createStreamFramer();
    socket.on('data', (chunk: Buffer) => framer.push(chunk, (_kind, frame) => onPacket(Buffer.from(frame))));
    socket.on('error', () => undefined);
    write = (bytes) => socket.write(bytes);
    local = { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 };
    closeTransport = () =>
      new Promise((resolve) => {
        // The relay may have closed it already (a stream it could not frame): 'close' then never comes again.
        if (socket.closed) {
          resolve();
          return;
        }
        socket.once('close', () => resolve());
        socket.destroy();
      });
  }

  const keyFor = (realm: string) => longTermKey(options.username, realm, options.password);

  const client: TurnClient = {
    local,
    realm: null,
    nonce: null,
    received,
    async request(method, attributes, requestOptions = {}) {
      const transactionId = randomBytes(12);
      const auth = requestOptions.auth ?? true;
      const all = typeof attributes === 'function' ? attributes(transactionId) : [...attributes];
      const realm = client.realm;
      if (auth && realm !== null && client.nonce !== null) {
        all.push(
          { type: Attr.USERNAME, value: writeText(options.username) },
          { type: Attr.REALM, value: writeText(realm) },
          { type: Attr.NONCE, value: writeText(client.nonce) },
        );
      }
      const signed = auth && realm !== null && client.nonce !== null;
      const bytes = encodeStun(
        { method, cls: StunClass.request, transactionId, attributes: all },
        {
          ...(signed ? { integrity: { key: keyFor(realm), kind: options.integrity ?? 'sha1' } } : {}),
          fingerprint: true,
        },
      );
      const message = await new Promise<StunMessage>((resolve, reject) => {
        const key = transactionId.toString('hex');
        const timer = setTimeout(() => {
          forget();
          reject(new Error(`no answer to method ${method}`));
        }, options.timeoutMs ?? 2000);
        /** However the request ends (answer, timeout, a write that throws), no timer or pending entry stays. */
        function forget(): void {
          clearTimeout(timer);
          pending.delete(key);
        }
        pending.set(key, (answer) => {
          forget();
          resolve(answer);
        });
        try {
          write(bytes);
        } catch (error) {
          // A closed socket throws here: the request ends now.
          forget();
          reject(error as Error);
        }
      });
      const error = getAttribute(message, Attr.ERROR_CODE);
      const errorCode = error === undefined ? null : (readErrorCode(error)?.code ?? null);
      if (errorCode === 401 || errorCode === 438) {
        const newRealm = getAttribute(message, Attr.REALM);
        const newNonce = getAttribute(message, Attr.NONCE);
        if (newRealm !== undefined && client.realm === null) client.realm = readText(newRealm, 763);
        if (newNonce !== undefined) client.nonce = readText(newNonce, 763);
      }
      return {
        message,
        errorCode,
        signed:
          realm !== null &&
          (message.integrity !== null || message.integritySha256 !== null) &&
          checkIntegrity(message, keyFor(realm)) === 'ok',
      };
    },
    async allocate(extra = []) {
      const attributes = [{ type: Attr.REQUESTED_TRANSPORT, value: writeRequestedTransport(TRANSPORT_UDP) }, ...extra];
      // One challenge round trip when the client has not met the relay yet; a 401 after that is the answer.
      const challenged = client.realm === null || client.nonce === null;
      let answer = await client.request(StunMethod.allocate, attributes);
      if (challenged && answer.errorCode === 401 && client.nonce !== null) {
        answer = await client.request(StunMethod.allocate, attributes);
      }
      if (answer.errorCode === 438) answer = await client.request(StunMethod.allocate, attributes);
      const relayedValue = getAttribute(answer.message, Attr.XOR_RELAYED_ADDRESS);
      const relayed = relayedValue === undefined ? null : readXorAddress(relayedValue, answer.message.transactionId);
      return { relayed, answer };
    },
    refresh(lifetime) {
      return client.request(StunMethod.refresh, [{ type: Attr.LIFETIME, value: writeUint32(lifetime) }]);
    },
    createPermission(...peers) {
      return client.request(StunMethod.createPermission, (transactionId) =>
        peers.map((peer) => ({ type: Attr.XOR_PEER_ADDRESS, value: writeXorAddress(peer, transactionId) })),
      );
    },
    channelBind(channel, peer) {
      return client.request(StunMethod.channelBind, (transactionId) => [
        { type: Attr.CHANNEL_NUMBER, value: writeChannelNumber(channel) },
        { type: Attr.XOR_PEER_ADDRESS, value: writeXorAddress(peer, transactionId) },
      ]);
    },
    send(peer, data) {
      const transactionId = randomBytes(12);
      write(
        encodeStun({
          method: StunMethod.send,
          cls: StunClass.indication,
          transactionId,
          attributes: [
            { type: Attr.XOR_PEER_ADDRESS, value: writeXorAddress(peer, transactionId) },
            { type: Attr.DATA, value: data },
          ],
        }),
      );
    },
    sendChannel(channel, data) {
      write(encodeChannelData(channel, data, transport !== 'udp'));
    },
    async waitFor(count, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.max(1, deadline - Date.now()));
        });
      }
      return received.slice(0, count);
    },
    close: () => closeTransport(),
  };
  return client;
}
