/**
 * The server inside the desktop app: the entry Electron's utilityProcess forks (built to out/server/utility.cjs,
 * started by main/app/bundledServer.ts). The parent sends `{ type: 'start', config }`; this process opens the data
 * key from the OS keychain, starts the same server the CLI runs and answers `{ type: 'ready', port, spkiPin }` or
 * `{ type: 'error', message }`; `{ type: 'stop' }` closes it and the process exits. The handling is a function of a
 * port-like object, so tests drive it under plain Node with a fake parentPort.
 */
import { parseServerConfig } from './config';
import { acquireDataDirLock, type DataDirLock } from './dataDirLock';
import { keychainSecretStore } from './keychainSecretStore';
import { setUpServer, setupNeeded } from './firstRunSetup';
import { startServer, type RunningServer } from './serverApp';
import type { SecretStore } from './store';
import { fromServerSchema, toServerSchema, type FromServerMessage, type ToServerMessage } from './utilityProtocol';
import { selectKeychainStore } from '../session/keychainStore';
import { errorMessage } from '../../shared/errorMessage';

/** What Electron's `process.parentPort` offers (a MessagePortMain-like emitter), and what tests fake. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface UtilityServerOptions {
  /** Where the data key lives. Default: the OS keychain through keytar, which works here: this is Node. */
  readonly openSecretStore?: () => Promise<SecretStore>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** After `stopped` is posted; the real process exits here. */
  readonly onStopped?: () => void;
}

const MAX_MESSAGE = 4000;

/** How selectKeychainStore logs a store it passed over (main/session/keychainStore.ts). */
const SKIPPED = 'keychain store: skipping ';

/** The OS keychain only: safeStorage belongs to Electron's main process, and a plaintext key file is not offered. */
async function openKeychainSecretStore(log: (message: string) => void): Promise<SecretStore> {
  const skipped: string[] = [];
  try {
    return keychainSecretStore(
      await selectKeychainStore({
        log: (message) => {
          if (message.startsWith(SKIPPED)) skipped.push(message.slice(SKIPPED.length));
          log(message);
        },
      }),
    );
  } catch (error) {
    // The selection's own message is about refresh tokens; this one says what the server needs.
    throw new Error(
      `The server keeps its data key in the OS keychain, and none answered (${skipped.join('; ') || errorMessage(error)}). ` +
        'On Linux, run and unlock a Secret Service keyring (gnome-keyring or KWallet).',
      { cause: error },
    );
  }
}
/**
 * Serves one parent port. Messages are handled one after another, so a stop that arrives while the server is still
 * starting closes it once it has started. Returns a promise that settles when the server has stopped.
 */
export function serveParentPort(port: ParentPortLike, options: UtilityServerOptions = {}): Promise<void> {
  const post = (message: FromServerMessage) => port.postMessage(fromServerSchema.parse(message));
  const log = (message: string) => post({ type: 'log', message: message.slice(0, MAX_MESSAGE) });
  let server: RunningServer | null = null;
  let lock: DataDirLock | null = null;
  let stopped = false;
  let queue = Promise.resolve();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  async function start(input: unknown): Promise<void> {
    if (server !== null) {
      post({ type: 'error', message: 'The server is already running.' });
      return;
    }
    try {
      const config = parseServerConfig(input);
      const secretStore = await (options.openSecretStore ?? (() => openKeychainSecretStore(log)))();
      lock = await acquireDataDirLock(config.dataDir, 'in-app server');
      server = await startServer(config, { secretStore, log, ...(options.env ? { env: options.env } : {}) });
      post({ type: 'ready', port: server.port, spkiPin: server.spkiPin });
    } catch (error) {
      await lock?.release();
      lock = null;
      post({ type: 'error', message: errorMessage(error).slice(0, MAX_MESSAGE) });
    }
  }

  async function stop(): Promise<void> {
    try {
      await server?.close();
    } catch (error) {
      log(`closing the server failed: ${errorMessage(error)}`);
    }
    await lock?.release();
    server = null;
    lock = null;
    stopped = true;
    post({ type: 'stopped' });
    finish();
    options.onStopped?.();
  }

  /** The first-run questions; asked before the server runs, they get a plain refusal. */
  async function setup(message: Extract<ToServerMessage, { type: 'setupStatus' | 'setUp' }>): Promise<void> {
    const running = server;
    if (message.type === 'setupStatus') {
      post({ type: 'setupStatus', id: message.id, needed: running !== null && (await setupNeeded(running.store)) });
      return;
    }
    if (running === null) {
      post({
        type: 'setUpDone',
        id: message.id,
        error: { code: 'not_running', message: 'The server is not running.' },
      });
      return;
    }
    try {
      const result = await setUpServer(running, message.setup);
      post({ type: 'setUpDone', id: message.id, error: result.ok ? null : result.error });
    } catch (error) {
      log(`setting up the server failed: ${errorMessage(error)}`);
      post({ type: 'setUpDone', id: message.id, error: { code: 'setup_failed', message: 'Setting up failed.' } });
    }
  }

  port.on('message', (event) => {
    const parsed = toServerSchema.safeParse(event.data);
    queue = queue.then(async () => {
      if (stopped) return;
      if (!parsed.success) {
        log('refused a message of unknown shape from the app');
        return;
      }
      const message = parsed.data;
      if (message.type === 'start') await start(message.config);
      else if (message.type === 'stop') await stop();
      else await setup(message);
    });
  });
  return done;
}

// In Electron's utility process `process.parentPort` exists; under plain Node (tests, tools) importing this file
// does nothing.
const parentPort: unknown = Reflect.get(process, 'parentPort');
if (typeof parentPort === 'object' && parentPort !== null && 'postMessage' in parentPort) {
  // A moment for the `stopped` message to leave before the process goes.
  void serveParentPort(parentPort as ParentPortLike, { onStopped: () => setTimeout(() => process.exit(0), 100) });
}
