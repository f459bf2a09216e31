import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parseRelayConfig, readRelaySecret, relayOptionsFrom, relayWorkerCount } from './relayConfig';
import { createRelay, type Relay } from './relayServer';
import { createRelayWorkers } from './relayWorkers';
import { pinnedRelayTransport } from './relayApiClient';
import { createServerLink, type ServerLink } from './serverLink';
import { batchedUdpAvailable } from './batchedUdpListener';
import { errorMessage } from '../../../shared/errorMessage';

/**
 * `npm run relay`: the bundled relay on its own, for benchmarks against coturn and for admins who run the relay on
 * another host. Credentials are TURN REST credentials, exactly what a coturn fleet with use-auth-secret accepts.
 * With `revocationFeed` (or --feed-url and --feed-pin) it also asks the server whether each new session is live and
 * the named user's before allocating (sessionCheck.ts), and polls the signed revocation feed, so a session's
 * allocations end when the session does; without it any credential with a valid HMAC allocates, as with coturn.
 *
 *   WHOOT_RELAY_SECRET=... npm run relay -- --listen-ip 127.0.0.1 --udp-port 3478 --relay-ip 127.0.0.1
 *   npm run relay -- --config relay.json --secret-file /etc/whoot/relay.secret
 */
const usage = `usage: relay [--config file.json] [--listen-ip IP] [--udp-port N|off] [--tcp-port N|off]
  [--tls-port N --cert FILE --key FILE] [--relay-ip IP] [--min-port N] [--max-port N] [--realm NAME]
  [--secret-file FILE] [--max-allocations N] [--max-per-user N] [--bandwidth BYTES_PER_S] [--nonce-ttl SECONDS]
  [--allow-peer IP]... [--workers N|auto] [--udp-io auto|batched|dgram]
  [--legacy-channels] [--feed-url https://HOST:PORT --feed-pin SPKI_PIN [--relay-id ID] [--feed-interval MS]]
The secret comes from WHOOT_RELAY_SECRET or --secret-file.`;

function main(): Promise<void> | void {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      'listen-ip': { type: 'string' },
      'udp-port': { type: 'string' },
      'tcp-port': { type: 'string' },
      'tls-port': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'relay-ip': { type: 'string' },
      'min-port': { type: 'string' },
      'max-port': { type: 'string' },
      realm: { type: 'string' },
      'secret-file': { type: 'string' },
      'max-allocations': { type: 'string' },
      'max-per-user': { type: 'string' },
      bandwidth: { type: 'string' },
      'nonce-ttl': { type: 'string' },
      'allow-peer': { type: 'string', multiple: true },
      'legacy-channels': { type: 'boolean' },
      'feed-url': { type: 'string' },
      'feed-pin': { type: 'string' },
      'relay-id': { type: 'string' },
      'feed-interval': { type: 'string' },
      workers: { type: 'string' },
      'udp-io': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const fromFile: Record<string, unknown> =
    values.config === undefined ? {} : (JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>);
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const portOrOff = (text: string | undefined) => (text === 'off' ? null : number(text));
  const flags: Record<string, unknown> = {
    listenIp: values['listen-ip'],
    udpPort: portOrOff(values['udp-port']),
    tcpPort: portOrOff(values['tcp-port']),
    tls:
      values['tls-port'] === undefined
        ? undefined
        : { port: number(values['tls-port']), certFile: values.cert, keyFile: values.key },
    relayIp: values['relay-ip'],
    minPort: number(values['min-port']),
    maxPort: number(values['max-port']),
    realm: values.realm,
    secretFile: values['secret-file'],
    maxAllocations: number(values['max-allocations']),
    maxAllocationsPerUser: number(values['max-per-user']),
    bandwidthBytesPerSecond: number(values.bandwidth),
    nonceTtlSeconds: number(values['nonce-ttl']),
    allowedPeers: values['allow-peer'],
    legacyChannelNumbers: values['legacy-channels'],
    workers: values.workers === undefined || values.workers === 'auto' ? values.workers : number(values.workers),
    udpIo: values['udp-io'],
    revocationFeed:
      values['feed-url'] === undefined
        ? undefined
        : {
            url: values['feed-url'],
            spkiPin: values['feed-pin'],
            ...(values['relay-id'] === undefined ? {} : { relayId: values['relay-id'] }),
            ...(values['feed-interval'] === undefined ? {} : { pollIntervalMs: number(values['feed-interval']) }),
          },
  };
  const config = parseRelayConfig({
    ...fromFile,
    ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  });
  const secret = readRelaySecret(config, process.env);
  let relay: Relay | null = null;
  let link: ServerLink | null = null;
  if (config.revocationFeed !== null) {
    const { url, spkiPin, relayId, pollIntervalMs } = config.revocationFeed;
    link = createServerLink({
      relayId: relayId ?? `relay-${randomBytes(8).toString('hex')}`,
      secret,
      transport: pinnedRelayTransport({ ...url, spkiPin }),
      onRevoked: (sessionId) => relay?.endSession(sessionId),
      pollIntervalMs,
      log: (line) => console.log(`[whoot relay] ${line}`),
    });
  }
  const feed = link?.feed ?? null;
  // New sessions are checked with the server before their first allocation; revoked ones are refused on Allocate
  // and Refresh once the feed has reported them.
  const sessionCheck = link === null ? {} : { isSessionLive: link.isSessionLive };
  const workers = relayWorkerCount(config, availableParallelism());
  const options = { ...relayOptionsFrom(config, secret), ...sessionCheck };
  const starting = workers > 1 ? createRelayWorkers({ ...options, workers }) : createRelay(options);
  return starting.then((started) => {
    relay = started;
    feed?.start();
    if (config.revocationFeed !== null) {
      const { host, port } = config.revocationFeed.url;
      console.log(`[whoot relay] sessions checked with, and revocations polled from, ${host}:${port}`);
    } else {
      console.log(
        '[whoot relay] no revocationFeed: any credential with a valid HMAC allocates, whatever its session (docs/server.md)',
      );
    }
    const { udp, tcp, tls } = started.addresses;
    const shown = (name: string, a: { host: string; port: number } | null) =>
      a ? `${name} ${a.host}:${a.port}` : null;
    const udpIo = config.udpIo === 'auto' ? (batchedUdpAvailable() ? 'batched' : 'dgram') : config.udpIo;
    console.log(
      `[whoot relay] listening: ${[shown('udp', udp), shown('tcp', tcp), shown('tls', tls)].filter(Boolean).join(', ')}; relaying from ${config.relayIp}:${config.minPort}-${config.maxPort}; ${workers} worker${workers === 1 ? '' : 's'}; UDP ${udpIo === 'batched' ? 'recvmmsg/sendmmsg' : 'dgram'}`,
    );
    const stop = () => {
      feed?.stop();
      console.log(`[whoot relay] stats ${JSON.stringify(started.stats())}`);
      void started.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

try {
  void Promise.resolve(main()).catch((error: unknown) => {
    console.error(`[whoot relay] ${errorMessage(error)}`);
    process.exit(1);
  });
} catch (error) {
  console.error(`[whoot relay] ${errorMessage(error)}\n${usage}`);
  process.exit(2);
}
