import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './httpError';
import { sendJson } from './response';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface DrainGate {
  /**
   * The request listener behind the gate: it counts the requests in flight and, once the gate closes, refuses new
   * ones with 503 `draining` (the probes excepted, so `/v1/ready` can say 503 itself) and ends every connection
   * after its answer, so a keep-alive client opens its next connection through the load balancer to another node.
   */
  wrap(handler: Handler): Handler;
  /** Closes the gate; requests already in flight go on. */
  close(): void;
  readonly closed: boolean;
  inFlight(): number;
  /** Resolves true once no request is in flight, or false when `deadlineMs` passed first. */
  settled(deadlineMs: number): Promise<boolean>;
}

export const DRAINING_ERROR = errorBody('draining', 'This server is restarting. Try again; another one will answer.');

/** `exempt`: requests that still reach the handler while the gate is closed (the health probes). */
export function createDrainGate(options: { readonly exempt: (req: IncomingMessage) => boolean }): DrainGate {
  let closed = false;
  const inFlight = new Set<ServerResponse>();
  const idleWaiters = new Set<() => void>();

  return {
    wrap(handler) {
      return (req, res) => {
        if (closed) {
          res.setHeader('connection', 'close');
          if (!options.exempt(req)) {
            sendJson(
              res,
              { status: 503, body: DRAINING_ERROR, headers: { 'retry-after': '1' } },
              { closeConnection: true },
            );
            return;
          }
        }
        inFlight.add(res);
        res.once('close', () => {
          inFlight.delete(res);
          if (inFlight.size === 0) for (const wake of [...idleWaiters]) wake();
        });
        return handler(req, res);
      };
    },
    close() {
      closed = true;
      // Answers still to come end their connection too: no keep-alive client stays on a node that is going away.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    },
    get closed() {
      return closed;
    },
    inFlight: () => inFlight.size,
    settled(deadlineMs) {
      if (inFlight.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (idle: boolean) => {
          clearTimeout(timer);
          idleWaiters.delete(wake);
          resolve(idle);
        };
        const wake = () => done(true);
        const timer = setTimeout(() => done(false), deadlineMs);
        idleWaiters.add(wake);
      });
    },
  };
}
