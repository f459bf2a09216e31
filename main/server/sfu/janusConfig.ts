import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JanusChildConfig } from './sfuConfig';

/** The only Janus parts whoot uses: the VideoRoom plugin and the WebSockets transport (on a Unix socket). */
export const JANUS_PLUGIN = 'libjanus_videoroom.so';
export const JANUS_TRANSPORT = 'libjanus_websockets.so';

/** Linux's sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface JanusFiles {
  /** `<dataDir>/janus`, mode 0700: configs, the socket, and folders holding only the libraries Janus may load. */
  readonly dir: string;
  readonly configFile: string;
  readonly socketPath: string;
  /** `ws+unix://` URL of the socket, as the `ws` package opens it. */
  readonly url: string;
  /** Every Janus API request carries it (`api_secret`): a second lock behind the socket's file permissions. */
  readonly apiSecret: string;
  /** Creating VideoRoom rooms needs it (`admin_key`): only this server can make rooms, whatever reaches the API. */
  readonly adminKey: string;
}

/**
 * Writes a minimal Janus configuration for one start: janus.jcfg, the VideoRoom plugin's and the WebSockets
 * transport's, into `<dataDir>/janus` (0700, files 0600), with fresh secrets each time.
 *
 * Why WebSockets on a Unix socket and not the pfunix transport: pfunix speaks SOCK_SEQPACKET or SOCK_DGRAM, which
 * Node cannot open without a native add-on, while Janus's WebSockets transport can listen on a Unix stream socket
 * (`ws_unix`) that the `ws` package opens as `ws+unix://`. Either way the API is a file in a 0700 directory, never a
 * port: nothing off this machine, and no other local user, can reach it.
 *
 * Janus loads every library in its plugin and transport folders, so the folders it is pointed at hold links to the
 * two it needs and nothing else (and janus.jcfg disables the rest by name as well, should the layout change).
 */
export function writeJanusConfig(dataDir: string, config: JanusChildConfig, iceAddress: string): JanusFiles {
  const dir = join(dataDir, 'janus');
  const socketPath = join(dir, 'api.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(
      `The Janus socket path ${socketPath} is longer than a Unix socket allows (${MAX_SOCKET_PATH} bytes): use a shorter dataDir.`,
    );
  }
  for (const path of [dir, config.binary, config.libraries]) assertPlainPath(path);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const plugins = join(dir, 'plugins');
  const transports = join(dir, 'transports');
  const nothing = join(dir, 'none');
  for (const folder of [plugins, transports, nothing]) mkdirSync(folder, { mode: 0o700 });
  symlinkSync(join(config.libraries, 'plugins', JANUS_PLUGIN), join(plugins, JANUS_PLUGIN));
  symlinkSync(join(config.libraries, 'transports', JANUS_TRANSPORT), join(transports, JANUS_TRANSPORT));

  const apiSecret = randomBytes(24).toString('base64url');
  const adminKey = randomBytes(24).toString('base64url');
  const files: Record<string, string> = {
    'janus.jcfg': jcfg({
      general: {
        configs_folder: dir,
        plugins_folder: plugins,
        transports_folder: transports,
        events_folder: nothing,
        loggers_folder: nothing,
        debug_level: config.debugLevel,
        debug_timestamps: false,
        debug_colors: false,
        server_name: 'whoot-sfu',
        session_timeout: 60,
        reclaim_session_timeout: 0,
        api_secret: apiSecret,
        // No token auth: the socket's permissions and the API secret already say who may talk to it.
        token_auth: false,
        // Admin API off: it is only reachable through a transport's admin listener, and every one is disabled.
        admin_secret: randomBytes(24).toString('base64url'),
        protected_folders: [
          '/bin',
          '/boot',
          '/dev',
          '/etc',
          '/lib',
          '/lib64',
          '/proc',
          '/sbin',
          '/sys',
          '/usr',
          '/var',
        ],
      },
      media: { rtp_port_range: `${config.rtpPorts.min}-${config.rtpPorts.max}`, ipv6: false },
      nat: {
        // Only this address (Janus never gathers on loopback): the one the relay is allowed to reach.
        ice_enforce_list: iceAddress,
        full_trickle: true,
        ice_lite: false,
        ice_tcp: false,
        nice_debug: false,
      },
      plugins: { disable: otherLibraries('plugins') },
      transports: { disable: otherLibraries('transports') },
      events: { broadcast: false },
      loggers: { disable: 'libjanus_jsonlog.so' },
    }),
    'janus.plugin.videoroom.jcfg': jcfg({
      general: {
        admin_key: adminKey,
        // Room ids are whoot's random strings, never a number a client could guess or count.
        string_ids: true,
        lock_rtp_forward: true,
        lock_play_file: true,
      },
    }),
    'janus.transport.websockets.jcfg': jcfg({
      general: { json: 'compact', ws: true, ws_unix: socketPath, wss: false },
      admin: { admin_ws: false, admin_wss: false },
    }),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
  return { dir, configFile: join(dir, 'janus.jcfg'), socketPath, url: `ws+unix://${socketPath}`, apiSecret, adminKey };
}

/** Every library Debian ships in that folder except the one whoot uses (Janus matches the names it is told). */
function otherLibraries(kind: 'plugins' | 'transports'): string {
  const names =
    kind === 'plugins'
      ? ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom']
          .concat(['videocall', 'voicemail'])
          .map((name) => `libjanus_${name}.so`)
      : ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'].map((name) => `libjanus_${name}.so`);
  return names.join(',');
}

type JcfgValue = string | number | boolean | readonly string[];

/** Janus's libconfig syntax: sections of `key = value`, strings quoted. */
function jcfg(sections: Record<string, Record<string, JcfgValue>>): string {
  const value = (v: JcfgValue): string =>
    typeof v === 'string'
      ? quote(v)
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : `[${v.map(quote).join(', ')}]`;
  return (
    Object.entries(sections)
      .map(
        ([name, entries]) =>
          `${name}: {\n${Object.entries(entries)
            .map(([key, v]) => `\t${key} = ${value(v)}`)
            .join('\n')}\n}`,
      )
      .join('\n') + '\n'
  );
}

function quote(text: string): string {
  assertPlainPath(text);
  return `"${text}"`;
}

/** Configuration values go between double quotes in a .jcfg: refuse what would end or escape the string. */
function assertPlainPath(text: string): void {
  if (/["\\\n\r\0]/.test(text))
    throw new Error(`Janus configuration values cannot contain quotes or backslashes: ${text}`);
}
