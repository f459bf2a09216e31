import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import { UPLOAD_MANIFEST_HEADER, uploadManifestSchema, type UploadManifest } from '../../shared/chat';
import type { ServerAddress } from '../../shared/identifiers';
import { endpoints, resourceIdFor, type BodyOf, type EndpointName, type ResponseOf } from '../../shared/rest/endpoints';
import { errorBodySchema, type SignInBody, type SignInResponse } from '../../shared/rest/auth';
import { PinnedAgent } from './pinnedAgent';
import { ServerConnectionError } from './pinnedTls';
import type { RequestSigner } from './requestSigner';

const MAX_RESPONSE_BYTES = 1024 * 1024;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The account API as the main process uses it; an interface so the session service does not care about HTTP. */
export interface ServerApi {
  signIn(server: ServerAddress, body: SignInBody): Promise<SignInResponse>;
  signOut(server: ServerAddress, signer: RequestSigner): Promise<void>;
  /** Any endpoint of the REST contract; signed endpoints need the signer. */
  call<N extends EndpointName>(server: ServerAddress, name: N, input?: CallInput<N>): Promise<ResponseOf<N>>;
  /**
   * Streams a file to a channel: the signature covers the manifest (name, size, SHA-256, detected type), the
   * content follows as it is read, never held whole in memory (docs/chat.md, "Signed uploads").
   */
  upload(server: ServerAddress, input: UploadInput): Promise<ResponseOf<'uploadFile'>>;
  /** Opens a file's content as a stream (the caller reads it at its own pace and must consume or destroy it). */
  download(server: ServerAddress, input: DownloadInput): Promise<Download>;
  /** An update installer by the digest and name its signed feed lists (unsigned: the digest is the capability). */
  downloadInstaller(server: ServerAddress, file: { readonly digest: string; readonly name: string }): Promise<Download>;
}

export interface UploadInput {
  readonly params: { readonly workspaceId: string; readonly channelId: string };
  readonly manifest: UploadManifest;
  /** Exactly `manifest.size` bytes. */
  readonly content: AsyncIterable<Uint8Array> | NodeJS.ReadableStream;
  readonly signer: RequestSigner;
}

export interface DownloadInput {
  readonly params: { readonly workspaceId: string; readonly fileId: string };
  readonly signer: RequestSigner;
}

export interface Download {
  readonly contentType: string;
  readonly size: number;
  readonly stream: NodeJS.ReadableStream & { destroy(error?: Error): unknown };
}

export interface CallInput<N extends EndpointName> {
  readonly params?: Readonly<Record<string, string>>;
  readonly body?: BodyOf<N>;
  readonly signer?: RequestSigner;
}

/** Fills a contract path template; each parameter is URL-encoded, so a value can never add a path segment. */
export function buildPath(template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new ApiError('invalid_input', `Missing path parameter ${name}.`);
    return encodeURIComponent(value);
  });
}

interface JsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** A streamed body instead of `body` (its Content-Type and Content-Length are in `headers`). */
  readonly stream?: AsyncIterable<Uint8Array> | NodeJS.ReadableStream;
  /** Hand a 200 response's body over as a stream instead of reading it as JSON. */
  readonly streamResponse?: (response: IncomingMessage) => void;
}

/** HTTPS to the whoot server over a pinned TLS connection (see pinnedTls.ts), JSON in and out, bounded responses. */
export function createServerApi(options: { timeoutMs?: number } = {}): ServerApi {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const agents = new Map<string, PinnedAgent>();
  /** One keep-alive pool per server and pin: a pin change never reuses a connection checked against the old one. */
  const agentFor = (server: ServerAddress): PinnedAgent => {
    const key = `${server.host}|${server.port}|${server.spkiPin}`;
    let agent = agents.get(key);
    if (agent === undefined) agents.set(key, (agent = new PinnedAgent(server, timeoutMs)));
    return agent;
  };

  async function send<S extends z.ZodType>(
    server: ServerAddress,
    req: JsonRequest,
    schema: S | null,
  ): Promise<z.output<S> | null> {
    return new Promise((resolve, reject) => {
      const body = req.body ?? '';
      const outgoing = httpRequest(
        {
          method: req.method,
          path: req.path,
          host: server.host,
          port: server.port,
          agent: agentFor(server),
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            ...(req.body === undefined || req.stream !== undefined ? {} : { 'content-type': 'application/json' }),
            ...(req.stream === undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
            ...req.headers,
          },
        },
        (response) => {
          answered = true;
          if (req.streamResponse !== undefined && response.statusCode === 200) {
            req.streamResponse(response);
            resolve(null);
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              response.destroy();
              reject(new ApiError('bad_response', 'The server sent an oversized response.'));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            try {
              resolve(interpret(response.statusCode ?? 0, response.headers, Buffer.concat(chunks), schema));
            } catch (error) {
              reject(error);
            }
          });
          response.on('error', () => reject(new ApiError('server_unreachable', 'The connection to the server broke.')));
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new ApiError('server_unreachable', 'The server did not answer in time.')),
      );
      // A server that refuses an upload answers before reading it all and closes: its answer is what counts.
      let answered = false;
      outgoing.on('error', (error) => {
        if (answered) return;
        // A pin mismatch or an unreachable server comes from the agent's connect: it keeps its own code and message.
        reject(
          error instanceof ApiError || error instanceof ServerConnectionError
            ? error
            : new ApiError('server_unreachable', 'The connection to the server broke.'),
        );
      });
      if (req.stream === undefined) outgoing.end(body);
      else {
        // A Node stream goes straight in (no async-iterator hop per chunk); anything else is wrapped.
        const source =
          req.stream instanceof Readable ? req.stream : Readable.from(req.stream as AsyncIterable<Uint8Array>);
        pipeline(source, outgoing).catch(() => undefined);
      }
    });
  }

  async function call<N extends EndpointName>(
    server: ServerAddress,
    name: N,
    input: CallInput<N> = {},
  ): Promise<ResponseOf<N>> {
    const endpoint = endpoints[name];
    const body = endpoint.body.parse(input.body ?? {}) as Record<string, unknown>;
    const text = endpoint.method === 'GET' ? '' : JSON.stringify(body);
    let headers: Record<string, string> = {};
    if (endpoint.auth === 'signed') {
      if (input.signer === undefined) throw new ApiError('not_signed_in', 'Sign in first.');
      const resourceId = resourceIdFor(endpoint, {
        ...(input.params ? { params: input.params } : {}),
        body,
        sessionId: input.signer.sessionId(),
      });
      headers = { ...input.signer.sign({ operation: endpoint.operation, resourceId, body: text }) };
    }
    const response = await send(
      server,
      {
        method: endpoint.method,
        path: buildPath(endpoint.path, input.params),
        ...(endpoint.method === 'GET' ? {} : { body: text }),
        headers,
      },
      endpoint.response,
    );
    return response as ResponseOf<N>;
  }

  async function upload(server: ServerAddress, input: UploadInput): Promise<ResponseOf<'uploadFile'>> {
    const endpoint = endpoints.uploadFile;
    const manifestText = JSON.stringify(uploadManifestSchema.parse(input.manifest));
    const resourceId = resourceIdFor(endpoint, { params: input.params, sessionId: input.signer.sessionId() });
    const signed = input.signer.sign({ operation: endpoint.operation, resourceId, body: manifestText });
    const response = await send(
      server,
      {
        method: endpoint.method,
        path: buildPath(endpoint.path, input.params),
        stream: input.content,
        headers: {
          ...signed,
          'content-type': 'application/octet-stream',
          'content-length': String(input.manifest.size),
          [UPLOAD_MANIFEST_HEADER]: Buffer.from(manifestText, 'utf8').toString('base64url'),
        },
      },
      endpoint.response,
    );
    return response as ResponseOf<'uploadFile'>;
  }

  /** A GET whose 200 answer is bytes: handed over as a stream with its declared size; errors still come as JSON. */
  async function openStream(server: ServerAddress, path: string, headers: Record<string, string>): Promise<Download> {
    let opened: IncomingMessage | undefined;
    await send(
      server,
      {
        method: 'GET',
        path,
        headers: { ...headers, accept: 'application/octet-stream, application/json' },
        streamResponse: (response) => (opened = response),
      },
      null,
    );
    const size = Number(opened?.headers['content-length']);
    if (opened === undefined || !Number.isSafeInteger(size)) {
      opened?.destroy();
      throw new ApiError('bad_response', 'The server sent a download whoot does not understand.');
    }
    return { contentType: String(opened.headers['content-type'] ?? 'application/octet-stream'), size, stream: opened };
  }

  async function download(server: ServerAddress, input: DownloadInput): Promise<Download> {
    const endpoint = endpoints.downloadFile;
    const resourceId = resourceIdFor(endpoint, { params: input.params, sessionId: input.signer.sessionId() });
    const signed = input.signer.sign({ operation: endpoint.operation, resourceId, body: '' });
    return openStream(server, buildPath(endpoint.path, input.params), signed);
  }

  return {
    call,
    upload,
    download,
    downloadInstaller: (server, file) =>
      openStream(server, buildPath(endpoints.updateFile.path, { digest: file.digest, name: file.name }), {}),
    signIn: (server, body) => call(server, 'signIn', { body }),
    signOut: async (server, signer) => {
      await call(server, 'signOut', { signer });
    },
  };
}

function interpret<S extends z.ZodType>(
  status: number,
  headers: IncomingHttpHeaders,
  raw: Buffer,
  schema: S | null,
): z.output<S> | null {
  if (status === 204 || (schema === null && status >= 200 && status < 300)) return null;
  const isJson = (headers['content-type'] ?? '').startsWith('application/json');
  let parsed: unknown = undefined;
  if (isJson) {
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError('bad_response', 'The server sent malformed JSON.', status);
    }
  }
  if (status < 200 || status >= 300) {
    const error = errorBodySchema.safeParse(parsed);
    if (error.success) throw new ApiError(error.data.error.code, error.data.error.message, status);
    throw new ApiError('server_error', `The server answered with status ${status}.`, status);
  }
  const body = schema?.safeParse(parsed);
  if (!body?.success)
    throw new ApiError('bad_response', 'The server sent a response whoot does not understand.', status);
  return body.data;
}
