import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { turnCredentialFor } from '../auth/turnCredentials';
import type { QuotaDecision } from './rateLimits';
import { RELAY_COUNTERS_BYTES, sumRelayCounters } from './relayCounters';
import { createRelayedPorts } from './relayedPorts';
import { DEFAULT_LIMITS, type Relay, type RelayOptions } from './relayServer';
import type { ListenAddresses, PoolToWorker, RelayWorkerData, WorkerToPool } from './relayWorkerProtocol';

/**
 * The relay on every core: `workers` worker threads, each a whole relay (relayWorkerEntry.ts) on the same UDP, TCP
 * and TLS ports (SO_REUSEPORT, Linux; Node >= 22.12). The kernel hashes each client's 4-tuple to one worker, so a
 * client's requests, its allocation and its relayed socket all live on that worker; what has to agree across
 * workers is kept here or in shared memory:
 *
 * - live relayed ports (relayedPorts.ts): the peer policy's own-address exception, read per packet by every worker;
 * - quotas per user and in total: each Allocate asks this thread, which counts every worker's allocations;
 * - the session check and the server-mute verdict: asked here (the store, or the server link, lives on this thread);
 * - revocations (`endSession`), mute changes (`mediaPolicyChanged`) and secret rotation: sent to every worker;
 * - counters: each worker writes its own shared array, `stats()` sums them;
 * - the NONCE key: one for all, so a nonce stays valid whichever worker a client's packets reach.
 *
 * Two clients on different workers reach each other through the kernel (relayed socket to relayed socket) instead
 * of the in-process hand-over one worker does; the checks are the same either way. Returns the same `Relay` as
 * createRelay. Not supported here: an injected clock (`now`), which cannot cross threads.
 */
export interface RelayWorkersOptions extends Omit<RelayOptions, 'now' | 'pool'> {
  /** Worker threads, 1 or more (relayCli: `--workers N|auto`, auto = one per core). */
  readonly workers: number;
}

export interface RelayWorkers extends Relay {
  /** Each worker's counters, for tests and the benchmark: how the kernel spread the clients. */
  perWorker(): ReturnType<Relay['stats']>[];
}

/** A held allocation as this thread counts it: by worker, user and session. */
interface Holding {
  readonly worker: number;
  readonly userId: string;
  readonly sessionId: string;
}

export async function createRelayWorkers(options: RelayWorkersOptions): Promise<RelayWorkers> {
  const { workers: count, secret, isSessionLive, isMediaBlocked, log: logOption, ...rest } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('workers must be a whole number ≥ 1');
  const log = logOption ?? ((line: string) => console.log(`[whoot relay] ${line}`));
  const secrets = typeof secret === 'string' ? () => [secret] : typeof secret === 'function' ? secret : () => secret;
  for (const each of secrets()) turnCredentialFor(each, 'check');
  const limits = { ...DEFAULT_LIMITS, ...options.limits };

  const relayedPorts = createRelayedPorts();
  const nonceKey = randomBytes(32);
  const counters = Array.from({ length: count }, () => new SharedArrayBuffer(RELAY_COUNTERS_BYTES));
  const holdings: Holding[] = [];
  let closed = false;

  const quotaFor = (worker: number, userId: string, sessionId: string): QuotaDecision => {
    if (closed) return { ok: false, reason: 'total_limit' };
    // Same order as the single-process quota: the user's own limit first (486), then the total (508).
    if (holdings.filter((held) => held.userId === userId).length >= limits.maxAllocationsPerUser) {
      return { ok: false, reason: 'user_quota' };
    }
    if (holdings.length >= limits.maxAllocations) return { ok: false, reason: 'total_limit' };
    holdings.push({ worker, userId, sessionId });
    return { ok: true };
  };
  const release = (worker: number, userId: string, sessionId: string) => {
    const at = holdings.findIndex((h) => h.worker === worker && h.userId === userId && h.sessionId === sessionId);
    if (at >= 0) holdings.splice(at, 1);
  };

  const entry = workerEntry();
  const threads: Worker[] = [];
  const exited: Promise<void>[] = [];

  const start = (index: number, listen: RelayOptions['listen']) =>
    new Promise<ListenAddresses>((resolve, reject) => {
      const data: RelayWorkerData = {
        index,
        options: { ...rest, listen: { ...listen, reusePort: true } },
        secrets: secrets(),
        checksSessions: isSessionLive !== undefined || isMediaBlocked !== undefined,
        relayedPorts: relayedPorts.buffer,
        counters: counters[index] as SharedArrayBuffer,
        nonceKey,
      };
      const worker = new Worker(entry.url, { workerData: data, execArgv: entry.execArgv });
      threads.push(worker);
      const send = (message: PoolToWorker) => worker.postMessage(message);
      exited.push(
        new Promise((done) =>
          worker.once('exit', (code) => {
            // A worker that died holds nothing any more: its clients' allocations went with its sockets.
            for (let i = holdings.length - 1; i >= 0; i--) if (holdings[i]?.worker === index) holdings.splice(i, 1);
            if (!closed) log(`worker ${index} exited (${code}); its clients must allocate again`);
            reject(new Error(`relay worker ${index} exited during start-up (${code})`));
            done();
          }),
        ),
      );
      worker.on('error', (error) => log(`worker ${index} failed: ${error.message}`));
      worker.on('message', (message: WorkerToPool) => {
        switch (message.type) {
          case 'ready':
            resolve(message.addresses);
            return;
          case 'failed':
            reject(new Error(message.message));
            return;
          case 'log':
            log(message.line);
            return;
          case 'quota':
            send({ type: 'quota', id: message.id, decision: quotaFor(index, message.userId, message.sessionId) });
            return;
          case 'release':
            release(index, message.userId, message.sessionId);
            return;
          case 'session': {
            const blocked = isMediaBlocked?.(message.userId) ?? false;
            const check = isSessionLive?.(message.sessionId, message.userId) ?? Promise.resolve(true);
            void check.then(
              (live) => send({ type: 'session', id: message.id, live, mediaBlocked: blocked }),
              () => send({ type: 'session', id: message.id, live: null, mediaBlocked: blocked }),
            );
            return;
          }
          case 'closed':
            return;
        }
      });
    });

  const broadcast = (message: PoolToWorker) => {
    for (const worker of threads) worker.postMessage(message);
  };

  let addresses: ListenAddresses;
  try {
    // The first worker picks any ports left at 0; the others then bind the same ones.
    addresses = await start(0, options.listen);
    const listen: RelayOptions['listen'] = {
      host: options.listen.host,
      udpPort: addresses.udp?.port ?? null,
      tcpPort: addresses.tcp?.port ?? null,
      tls: options.listen.tls && addresses.tls ? { ...options.listen.tls, port: addresses.tls.port } : null,
    };
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1, listen)));
    // Only now is the kernel's set of sockets for the ports complete: a client's 4-tuple keeps its worker from here.
    broadcast({ type: 'admit' });
  } catch (error) {
    closed = true;
    await Promise.all(threads.map((worker) => worker.terminate()));
    throw error;
  }

  // Rotation: a getter's answer is pushed to the workers when it changes (they check credentials synchronously).
  let lastSecrets = JSON.stringify(secrets());
  const rotation =
    typeof secret === 'function'
      ? setInterval(() => {
          const now = secrets();
          const text = JSON.stringify(now);
          if (text === lastSecrets) return;
          lastSecrets = text;
          broadcast({ type: 'secrets', secrets: now });
        }, 1000)
      : null;
  rotation?.unref();

  return {
    addresses,
    stats: () => sumRelayCounters(counters),
    perWorker: () => counters.map((buffer) => sumRelayCounters([buffer])),
    endSession(sessionId) {
      broadcast({ type: 'endSession', sessionId });
      return holdings.filter((held) => held.sessionId === sessionId).length;
    },
    mediaPolicyChanged(userId) {
      const blocked = isMediaBlocked?.(userId) ?? false;
      broadcast({ type: 'mediaPolicy', userId, blocked });
      return blocked ? holdings.filter((held) => held.userId === userId).length : 0;
    },
    sweep() {
      broadcast({ type: 'sweep' });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (rotation !== null) clearInterval(rotation);
      broadcast({ type: 'close' });
      await Promise.all(exited);
    },
  };
}

/**
 * Where the worker's code is: the bundled `relayWorker.cjs` beside this module in a build, else the TypeScript
 * source, loaded through tsx (dev, tests, `npm run relay`).
 */
function workerEntry(): { url: URL; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, 'relayWorker.cjs');
  if (existsSync(bundled)) return { url: pathToFileURL(bundled), execArgv: [] };
  return { url: pathToFileURL(join(here, 'relayWorkerEntry.ts')), execArgv: ['--import', 'tsx'] };
}
