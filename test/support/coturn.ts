import { join } from 'node:path';

export interface CoturnOptions {
  readonly port: number;
  /** The TURN REST secret (`use-auth-secret`): coturn takes it only as an argument or from its database. */
  readonly secret: string;
  readonly realm: string;
  /** A throwaway folder for its database, pid file and (with `log: 'file'`) log. */
  readonly workDir: string;
  readonly ip?: string;
  /** Lets two clients of this relay reach each other on loopback (coturn refuses loopback peers otherwise). */
  readonly allowLoopbackPeers?: boolean;
  readonly relayPorts?: { readonly min: number; readonly max: number };
  /** stdout (read by whoever started it) or `coturn.log` in `workDir`. */
  readonly log: 'stdout' | 'file';
}

/**
 * The arguments for Debian's `turnserver` as a relay that tests, the cluster and the benches start and own: no
 * configuration file (`-n`, only these flags), no CLI, TLS or DTLS listeners, TURN REST credentials, everything it
 * writes in its own folder.
 */
export function coturnArgs(options: CoturnOptions): string[] {
  const ip = options.ip ?? '127.0.0.1';
  return [
    '-n',
    '--no-cli',
    `--listening-ip=${ip}`,
    `--relay-ip=${ip}`,
    `--listening-port=${options.port}`,
    '--use-auth-secret',
    `--static-auth-secret=${options.secret}`,
    `--realm=${options.realm}`,
    ...(options.allowLoopbackPeers ? ['--allow-loopback-peers'] : []),
    '--no-tls',
    '--no-dtls',
    ...(options.relayPorts ? [`--min-port=${options.relayPorts.min}`, `--max-port=${options.relayPorts.max}`] : []),
    `--db=${join(options.workDir, 'turndb')}`,
    `--pidfile=${join(options.workDir, 'turnserver.pid')}`,
    ...(options.log === 'stdout'
      ? ['--log-file=stdout', '--simple-log']
      : [`--log-file=${join(options.workDir, 'coturn.log')}`, '--no-stdout-log']),
  ];
}
