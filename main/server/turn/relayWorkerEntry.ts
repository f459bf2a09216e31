import { parentPort, workerData } from 'node:worker_threads';
import type { QuotaDecision } from './rateLimits';
import { createRelay, type Relay } from './relayServer';
import type { PoolToWorker, RelayWorkerData, WorkerToPool } from './relayWorkerProtocol';

/**
 * One worker thread of a multi-core relay (relayWorkers.ts): a whole relay (createRelay) on listening ports it
 * shares with the other workers through SO_REUSEPORT. What must agree across workers is asked of the pool (quotas,
 * the session check) or read from shared memory (live relayed ports, counters); revocations and mute changes come
 * from the pool to every worker.
 */
const port = parentPort;
if (port === null) throw new Error('relayWorkerEntry runs in a worker thread');
const data = workerData as RelayWorkerData;
const post = (message: WorkerToPool) => port.postMessage(message);

let nextId = 1;
const waiting = new Map<number, (message: PoolToWorker) => void>();
const ask = (message: (id: number) => WorkerToPool): Promise<PoolToWorker> =>
  new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    post(message(id));
  });

let secrets = data.secrets;
/** Users the pool said are server-muted; the verdict comes with each session check and with every change. */
const blocked = new Set<string>();
const setBlocked = (userId: string, isBlocked: boolean) => {
  if (isBlocked) blocked.add(userId);
  else blocked.delete(userId);
};

let relay: Relay | null = null;
let admitting = false;
port.on('message', (message: PoolToWorker) => {
  switch (message.type) {
    case 'quota':
    case 'session':
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
      return;
    case 'endSession':
      relay?.endSession(message.sessionId);
      return;
    case 'mediaPolicy':
      setBlocked(message.userId, message.blocked);
      relay?.mediaPolicyChanged(message.userId);
      return;
    case 'secrets':
      secrets = message.secrets;
      return;
    case 'sweep':
      relay?.sweep();
      return;
    case 'admit':
      admitting = true;
      return;
    case 'close':
      void (relay?.close() ?? Promise.resolve()).then(() => {
        post({ type: 'closed' });
        port.close();
      });
      return;
  }
});

createRelay({
  ...data.options,
  secret: () => secrets,
  log: (line) => post({ type: 'log', line: `worker ${data.index}: ${line}` }),
  isMediaBlocked: (userId) => blocked.has(userId),
  ...(data.checksSessions
    ? {
        isSessionLive: async (sessionId: string, userId: string) => {
          const answer = await ask((id) => ({ type: 'session', id, sessionId, userId }));
          if (answer.type !== 'session') throw new Error('unexpected answer');
          setBlocked(userId, answer.mediaBlocked);
          if (answer.live === null) throw new Error('session check failed');
          return answer.live;
        },
      }
    : {}),
  pool: {
    relayedPorts: data.relayedPorts,
    counters: data.counters,
    nonceKey: data.nonceKey,
    admitsClients: () => admitting,
    quota: {
      tryAcquire: async (userId, sessionId): Promise<QuotaDecision> => {
        const answer = await ask((id) => ({ type: 'quota', id, userId, sessionId }));
        return answer.type === 'quota' ? answer.decision : { ok: false, reason: 'total_limit' };
      },
      release: (userId, sessionId) => post({ type: 'release', userId, sessionId }),
    },
  },
}).then(
  (started) => {
    relay = started;
    post({ type: 'ready', addresses: started.addresses });
  },
  (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
