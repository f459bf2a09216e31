/**
 * A client in its own process, as an integration written in Node talks to the API: `https.request`, the whole body
 * handed over before any reading, as Node's own client does. In-process clients share the server's event loop and
 * never race it, which hides exactly the failure this is for (a refusal lost to a reset while the body still goes
 * out). Run with `node --import tsx bodyPoster.ts '<json options>'`; prints one JSON line per attempt.
 */
import { request } from 'node:https';

export interface PosterOptions {
  readonly port: number;
  readonly ca: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: number;
  readonly attempts: number;
  /**
   * 'whole': `req.end(body)`, then stop sending once the answer has arrived (a well-behaved client).
   * 'flood': keep writing 1 MiB chunks whatever comes back, until the connection breaks (an abuser).
   */
  readonly mode: 'whole' | 'flood';
}

export interface PosterAttempt {
  /** The status of the answer, or null when none arrived. */
  readonly status: number | null;
  /** The error code that ended the request before any answer (EPIPE, ECONNRESET), else null. */
  readonly errorBeforeAnswer: string | null;
  /** Body bytes the client handed to its socket. */
  readonly sent: number;
}

const CHUNK = Buffer.alloc(1024 * 1024, 0x20);

function attempt(options: PosterOptions): Promise<PosterAttempt> {
  return new Promise((resolve) => {
    let status: number | null = null;
    let sent = 0;
    const settle = (errorBeforeAnswer: string | null) => resolve({ status, errorBeforeAnswer, sent });
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        ca: options.ca,
        agent: false,
        method: 'POST',
        path: options.path,
        headers: { ...options.headers, 'content-length': String(options.bytes) },
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => {
          if (options.mode === 'whole') {
            req.destroy();
            settle(null);
          }
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (status === null) settle(error.code ?? 'error');
    });
    req.on('close', () => settle(null));
    if (options.mode === 'whole') {
      sent = options.bytes;
      req.end(Buffer.alloc(options.bytes, 0x20));
      return;
    }
    const pump = () => {
      while (sent < options.bytes && !req.destroyed) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as PosterOptions;
  for (let i = 0; i < options.attempts; i++) process.stdout.write(`${JSON.stringify(await attempt(options))}\n`);
}

void main();
