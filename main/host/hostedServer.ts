import type { HostSetupRequest, HostStatus } from '../../shared/accountIpc';
import type { ServerAddress } from '../../shared/identifiers';
import { fail, ok, type Result } from '../../shared/result';
import type { FromServerMessage, ToServerMessage } from '../server/utilityProtocol';

/** How main reaches the server's utility process: Electron's utilityProcess in the app, a fake port in tests. */
export interface ServerChannel {
  send(message: ToServerMessage): void;
  onMessage(listener: (message: FromServerMessage) => void): () => void;
}

/** The server this app hosts, as the IPC handlers see it. */
export interface HostedServer {
  status(): HostStatus;
  onChange(listener: (status: HostStatus) => void): () => void;
  /** The address to sign in at (loopback, its port, its key pin), once it runs. */
  address(): ServerAddress | null;
  /** The first account and workspace (the utility process refuses once any account exists). */
  setUp(request: HostSetupRequest): Promise<Result<ServerAddress>>;
}

/** Questions to the utility process wait this long for an answer (argon2 and a few inserts take well under it). */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * Follows the hosted server from start to ready and asks it, once ready, whether it still needs its first account:
 * the status the page shows ("Set up your server" or the sign-in form). The questions go over the private channel
 * to the utility process, never over the network, so nothing outside this app can set up the server.
 */
export function createHostedServer(options: {
  readonly channel: ServerChannel;
  /** Resolves with the listening port and key pin, or rejects with the server's own message. */
  readonly ready: Promise<{ readonly port: number; readonly spkiPin: string }>;
  /** Where main reaches it: the loopback address. */
  readonly host?: string;
  readonly log?: (message: string) => void;
}): HostedServer {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const listeners = new Set<(status: HostStatus) => void>();
  let status: HostStatus = { state: 'starting' };
  let address: ServerAddress | null = null;
  let nextId = 1;
  const waiting = new Map<number, (message: FromServerMessage) => void>();

  const set = (next: HostStatus) => {
    status = next;
    for (const listener of listeners) listener(next);
  };

  options.channel.onMessage((message) => {
    if (message.type !== 'setupStatus' && message.type !== 'setUpDone') return;
    const answer = waiting.get(message.id);
    waiting.delete(message.id);
    answer?.(message);
  });

  function ask<T extends FromServerMessage['type']>(
    question: (id: number) => ToServerMessage,
    type: T,
  ): Promise<Extract<FromServerMessage, { type: T }> | null> {
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(null);
      }, ANSWER_TIMEOUT_MS);
      waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message.type === type ? (message as Extract<FromServerMessage, { type: T }>) : null);
      });
      options.channel.send(question(id));
    });
  }

  options.ready.then(
    async ({ port, spkiPin }) => {
      address = { host, port, spkiPin };
      const answer = await ask((id) => ({ type: 'setupStatus', id }), 'setupStatus');
      if (answer === null) log('hosting: the server did not say whether it needs setting up');
      set({ state: answer?.needed === true ? 'needsSetup' : 'ready', host, port });
    },
    (error: unknown) =>
      set({ state: 'failed', message: (error instanceof Error ? error.message : 'It did not start.').slice(0, 500) }),
  );

  return {
    status: () => status,
    address: () => address,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async setUp(request) {
      const server = address;
      if (server === null || status.state !== 'needsSetup') {
        return fail('not_needed', 'This server is set up already, or not running: sign in instead.');
      }
      const answer = await ask((id) => ({ type: 'setUp', id, setup: request }), 'setUpDone');
      if (answer === null) return fail('setup_failed', 'The server did not answer. Try again.');
      if (answer.error !== null) {
        if (answer.error.code === 'already_set_up') set({ state: 'ready', host: server.host, port: server.port });
        return fail(answer.error.code, answer.error.message);
      }
      set({ state: 'ready', host: server.host, port: server.port });
      return ok(server);
    },
  };
}
