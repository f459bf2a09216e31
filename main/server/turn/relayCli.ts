import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseRelayConfig, readRelaySecret, relayOptionsFrom } from './relayConfig';
import { createRelay } from './relayServer';

/**
 * `npm run relay`: the bundled relay on its own, for benchmarks against coturn and for admins who run the relay on
 * another host. Sessions are not checked here (no store): credentials are TURN REST credentials, valid until they
 * expire, exactly what a coturn fleet with use-auth-secret accepts.
 *
 *   WHOOT_RELAY_SECRET=... npm run relay -- --listen-ip 127.0.0.1 --udp-port 3478 --relay-ip 127.0.0.1
 *   npm run relay -- --config relay.json --secret-file /etc/whoot/relay.secret
 */
const usage = `usage: relay [--config file.json] [--listen-ip IP] [--udp-port N|off] [--tcp-port N|off]
  [--tls-port N --cert FILE --key FILE] [--relay-ip IP] [--min-port N] [--max-port N] [--realm NAME]
  [--secret-file FILE] [--max-allocations N] [--max-per-user N] [--bandwidth BYTES_PER_S] [--allow-peer IP]...
  [--legacy-channels]
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
      'allow-peer': { type: 'string', multiple: true },
      'legacy-channels': { type: 'boolean' },
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
    allowedPeers: values['allow-peer'],
    legacyChannelNumbers: values['legacy-channels'],
  };
  const config = parseRelayConfig({
    ...fromFile,
    ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  });
  const secret = readRelaySecret(config, process.env);
  return createRelay(relayOptionsFrom(config, secret)).then((relay) => {
    const { udp, tcp, tls } = relay.addresses;
    const shown = (name: string, a: { host: string; port: number } | null) =>
      a ? `${name} ${a.host}:${a.port}` : null;
    console.log(
      `[whoot relay] listening: ${[shown('udp', udp), shown('tcp', tcp), shown('tls', tls)].filter(Boolean).join(', ')}; relaying from ${config.relayIp}:${config.minPort}-${config.maxPort}`,
    );
    const stop = () => {
      console.log(`[whoot relay] stats ${JSON.stringify(relay.stats())}`);
      void relay.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

try {
  void Promise.resolve(main()).catch((error: unknown) => {
    console.error(`[whoot relay] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
} catch (error) {
  console.error(`[whoot relay] ${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(2);
}
