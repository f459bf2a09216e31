import { join } from 'node:path';
import { utilityProcess, type App } from 'electron';
import { loadServerConfigFile, type ServerConfigInput } from '../server/config';
import {
  fromServerSchema,
  SERVER_SERVICE_NAME,
  type FromServerMessage,
  type ToServerMessage,
} from '../server/utilityProtocol';
import type { ServerChannel } from '../host/hostedServer';
import { errorMessage } from '../../shared/errorMessage';
import type { ManagedPolicy } from '../../shared/managedPolicy';
import { hostServerRequested } from '../policy/hosting';

/**
 * The server a user hosts from the desktop app: the same code as the headless CLI, in an Electron utilityProcess
 * (out/server/utility.cjs, main/server/utilityEntry.ts) so a busy or crashing server never stalls or takes down the
 * window. Started only when the user hosts locally; stopped before the app quits.
 */

/** Optional: a whoot.server.json to use instead of the defaults below (e.g. to listen on the LAN). */
export const SERVER_CONFIG_ENV = 'WHOOT_SERVER_CONFIG';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface BundledServer {
  /** Resolves when the server listens; rejects with the server's own message when it cannot start. */
  readonly ready: Promise<{ readonly port: number; readonly spkiPin: string }>;
  /** Asks the server to close (connections, listener, store) and waits for its process to exit. */
  stop(): Promise<void>;
  /** Main's private line to the server's process: the first-run set-up (main/host/hostedServer.ts) uses it. */
  readonly channel: ServerChannel;
}

/** The configured file when one is named, else data under userData, listening on this machine only. */
export function bundledServerConfig(options: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly userDataDir: string;
  readonly allowedOrigins: readonly string[];
}): ServerConfigInput {
  const file = options.env[SERVER_CONFIG_ENV];
  if (file !== undefined && file !== '') return loadServerConfigFile(file);
  return { dataDir: join(options.userDataDir, 'server'), allowedOrigins: [...options.allowedOrigins] };
}

export function startBundledServer(options: {
  readonly modulePath: string;
  readonly config: ServerConfigInput;
  readonly log: (message: string) => void;
}): BundledServer {
  const { log } = options;
  const child = utilityProcess.fork(options.modulePath, [], { serviceName: SERVER_SERVICE_NAME, stdio: 'inherit' });
  let exited = false;
  let stopRequested = false;
  const exit = new Promise<number>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      if (!stopRequested) log(`server: its process exited unexpectedly (code ${code})`);
      resolve(code);
    });
  });
  const send = (message: ToServerMessage) => child.postMessage(message);
  const listeners = new Set<(message: FromServerMessage) => void>();

  const ready = new Promise<{ port: number; spkiPin: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`The server did not start within ${START_TIMEOUT_MS / 1000} s.`));
      stopRequested = true;
      child.kill();
    }, START_TIMEOUT_MS);
    child.on('message', (raw: unknown) => {
      const parsed = fromServerSchema.safeParse(raw);
      if (!parsed.success) {
        log('server: ignored a message of unknown shape');
        return;
      }
      const message = parsed.data;
      for (const listener of listeners) listener(message);
      if (message.type === 'log') log(`server: ${message.message}`);
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ port: message.port, spkiPin: message.spkiPin });
      }
      if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(message.message));
        stopRequested = true;
        send({ type: 'stop' });
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The server process exited (code ${code}) before it was ready.`));
    });
  });
  // Whoever starts the server handles `ready`; this keeps a failed start from also being an unhandled rejection.
  ready.catch(() => undefined);
  child.once('spawn', () => send({ type: 'start', config: options.config }));

  return {
    ready,
    channel: {
      send,
      onMessage(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    async stop() {
      if (exited) return;
      stopRequested = true;
      send({ type: 'stop' });
      const timer = setTimeout(() => {
        log(`server: did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
        child.kill();
      }, STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * main.ts's one call: when hosting is requested, start the server and hold the app's quit until it has stopped.
 * A server that fails to start is logged; the app itself runs on.
 */
export function hostBundledServerIfRequested(options: {
  readonly app: App;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly allowedOrigins: readonly string[];
  readonly log: (message: string) => void;
  readonly policy: ManagedPolicy;
}): BundledServer | null {
  const { app, log } = options;
  const requested = hostServerRequested(options.env, options.policy);
  if (requested.refusal !== null) log(`not hosting: ${requested.refusal}`);
  if (!requested.host) return null;
  let server: BundledServer;
  try {
    server = startBundledServer({
      modulePath: join(__dirname, '..', 'server', 'utility.cjs'),
      config: bundledServerConfig({
        env: options.env,
        userDataDir: app.getPath('userData'),
        allowedOrigins: options.allowedOrigins,
      }),
      log,
    });
  } catch (error) {
    log(`hosting failed: ${errorMessage(error, 'unknown error')}`);
    return null;
  }
  server.ready.then(
    ({ port, spkiPin }) => log(`hosting the server on port ${port} (key pin ${spkiPin})`),
    (error: unknown) => log(`hosting failed: ${errorMessage(error, 'unknown error')}`),
  );
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    void server.stop().finally(() => app.quit());
  });
  return server;
}
