import { request } from 'node:https';
import { connect, type ConnectionOptions } from 'node:tls';

/**
 * Clients for the transport's tests: a normal HTTPS client that trusts only the server's own certificate, and a
 * raw one that writes exact bytes (paths and headers Node's client would refuse to send) over TLS.
 */
export interface TestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

export interface TestRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export function httpsRequest(port: number, ca: string, req: TestRequest): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        ca,
        agent: false,
        method: req.method ?? 'GET',
        path: req.path,
        headers: {
          ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }),
          ...req.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** Sends `bytes` as they are and reads until the server closes; resolves with the parsed response, if any. */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: ConnectionOptions = {},
): Promise<TestResponse & { readonly raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
    const chunks: Buffer[] = [];
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      resolve({ ...parseResponse(raw), raw });
    });
  });
}

/** Parses the first HTTP/1.1 response in `raw` (status 0 when there is none). */
export function parseResponse(raw: string): TestResponse {
  const end = raw.indexOf('\r\n\r\n');
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(raw);
  if (end < 0 || match === null) return { status: 0, headers: {}, text: '' };
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return { status: Number(match[1]), headers, text: raw.slice(end + 4, end + 4 + length) };
}
