import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { WebSocket } from 'ws';
import { expect } from 'vitest';
import { computeSignature, sha256Hex } from '../../main/crypto/requestSignature';
import type { RunningServer } from '../../main/server/serverApp';

/** Only where to connect: one node, or a cluster's front door. */
type Target = Pick<RunningServer, 'port'>;
import { TestClient as WsTestClient } from '../../main/server/signalling/testing/signallingHarness';
import { buildPath } from '../../main/session/apiClient';
import { createRequestSigner } from '../../main/session/requestSigner';
import { endpoints, resourceIdFor, type Endpoint, type EndpointName } from '../../shared/rest/endpoints';
import { SIGNED_HEADERS } from '../../shared/signedRequest';
import { WS_PATH, wsProtocolsFor, type ClientMessage } from '../../shared/ws';
import type { TestClient } from './serverHarness';
import { TEST_IO_TIMEOUT_MS } from './testDeadlines';

/**
 * An attacker's view of the bundled server: raw HTTPS requests with exactly the headers and bytes a test chooses
 * (no client-side validation in the way), signed with the real signer or forged with the real HMAC, and raw
 * WebSocket upgrades. Certificate checks are off: these tests are about the server, not the pin.
 */

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Defaults to application/json when a body is sent; null sends no Content-Type. */
  readonly contentType?: string | null;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  readonly chunked?: boolean;
}

/** One request on a fresh TLS connection; resolves with whatever the server answered, error statuses included. */
export function rawRequest(server: Target, input: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = input.body === undefined ? undefined : Buffer.from(input.body);
    const contentType = input.contentType === undefined ? 'application/json' : input.contentType;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(body !== undefined && contentType !== null ? { 'content-type': contentType } : {}),
      ...(body !== undefined && !input.chunked ? { 'content-length': String(body.length) } : {}),
      ...(body !== undefined && input.chunked ? { 'transfer-encoding': 'chunked' } : {}),
      ...input.headers,
    };
    let answered = false;
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: input.method,
        path: input.path,
        headers,
        agent: false,
        rejectUnauthorized: false,
        timeout: TEST_IO_TIMEOUT_MS,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    // The server answers an oversized body early and closes: a write error after the answer is expected.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body !== undefined && input.chunked) {
      for (let offset = 0; offset < body.length; offset += 16 * 1024) req.write(body.subarray(offset, offset + 16384));
      req.end();
    } else {
      req.end(body);
    }
  });
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export interface SigningParts {
  readonly operation: string;
  readonly resourceId: string;
  readonly body: string | Buffer;
}

/** Headers from the desktop app's own signer, optionally with its clock moved (Unix seconds). */
export function signedHeaders(client: TestClient, parts: SigningParts, now?: () => number): Record<string, string> {
  const signer = now === undefined ? client.signer : createRequestSigner({ vault: client.vault, now });
  return { ...signer.sign(parts) };
}

/**
 * Headers computed straight from the HMAC, with no validation of operation or resource id: what a hostile client
 * with a stolen or its own secret can send. `secret` defaults to the client's session secret.
 */
export function forgedHeaders(
  client: TestClient,
  parts: SigningParts & { readonly timestamp?: number; readonly nonce?: string; readonly sessionId?: string },
): Record<string, string> {
  const timestamp = parts.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = parts.nonce ?? randomBytes(16).toString('hex');
  const signature = computeSignature(Buffer.from(client.grant.secret, 'base64url'), {
    operation: parts.operation,
    resourceId: parts.resourceId,
    timestamp,
    nonce,
    bodySha256Hex: sha256Hex(parts.body),
  });
  return {
    [SIGNED_HEADERS.session]: parts.sessionId ?? client.grant.id,
    [SIGNED_HEADERS.timestamp]: String(timestamp),
    [SIGNED_HEADERS.nonce]: nonce,
    [SIGNED_HEADERS.signature]: signature,
  };
}

export interface PreparedCall {
  readonly endpoint: Endpoint;
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly operation: string;
  readonly resourceId: string;
}

/** Method, path, body text, operation and resource id of a contract call, as the desktop client would build them. */
export function prepareCall(
  client: TestClient,
  name: EndpointName,
  input: { params?: Record<string, string>; body?: unknown } = {},
): PreparedCall {
  const endpoint: Endpoint = endpoints[name];
  const body = endpoint.method === 'GET' ? '' : JSON.stringify(input.body ?? {});
  const resourceId = resourceIdFor(endpoint, {
    ...(input.params ? { params: input.params } : {}),
    body: input.body,
    sessionId: client.grant.id,
  });
  return {
    endpoint,
    method: endpoint.method,
    path: buildPath(endpoint.path, input.params),
    body,
    operation: endpoint.operation ?? '',
    resourceId,
  };
}

/** A correctly signed contract call over raw HTTPS (the resource id is signed unchecked, like a hostile client). */
export async function signedCall(
  server: Target,
  client: TestClient,
  name: EndpointName,
  input: { params?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const call = prepareCall(client, name, input);
  return rawRequest(server, {
    method: call.method,
    path: call.path,
    ...(call.method === 'GET' ? {} : { body: call.body }),
    headers: forgedHeaders(client, call),
  });
}

/** Asserts the REST error shape exactly: `{ error: { code, message } }` and nothing else, as JSON. */
export function expectError(response: RawResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.json }).toStrictEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect((response.json as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
}

/** The headers every response carries (ARCHITECTURE.md, Defaults). */
export function expectSecurityHeaders(response: { headers: IncomingHttpHeaders }): void {
  expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
}

// ---- WebSocket ------------------------------------------------------------------------------------------------

export type UpgradeOutcome =
  | { readonly kind: 'open'; readonly ws: WebSocket }
  | { readonly kind: 'refused'; readonly status: number; readonly json: unknown; readonly openedLater: () => boolean };

/** Attempts an upgrade and reports whether a socket opened, or the HTTP refusal the `ws` client saw. */
export function attemptUpgrade(
  server: Target,
  options: { readonly protocols?: string[]; readonly path?: string } = {},
): Promise<UpgradeOutcome> {
  const ws = new WebSocket(`wss://127.0.0.1:${server.port}${options.path ?? WS_PATH}`, options.protocols ?? [], {
    rejectUnauthorized: false,
  });
  let opened = false;
  ws.on('open', () => (opened = true));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ kind: 'open', ws }));
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const json = parseJson(Buffer.concat(chunks).toString('utf8'));
        ws.on('error', () => undefined);
        ws.terminate();
        resolve({ kind: 'refused', status: response.statusCode ?? 0, json, openedLater: () => opened });
      });
    });
    ws.once('error', (error) => {
      if (!opened) reject(error);
    });
  });
}

/** A ws.ticket for the workspace, minted through the REST API like the desktop app does. */
export async function mintTicket(client: TestClient, workspaceId: string) {
  return client.call('wsTicket', { body: { workspaceId } });
}

/** Opens a socket with a fresh ticket (no hello yet); the returned client records every server message. */
export async function openSocket(server: Target, client: TestClient, workspaceId: string) {
  const minted = await mintTicket(client, workspaceId);
  const outcome = await attemptUpgrade(server, { protocols: wsProtocolsFor(minted.ticket), path: minted.path });
  if (outcome.kind !== 'open') throw new Error(`upgrade refused with ${outcome.status}`);
  return new WsTestClient(outcome.ws);
}

/** Opens a socket and says hello (or resumes), waiting for `welcome`. */
export async function connectSocket(
  server: Target,
  client: TestClient,
  workspaceId: string,
  first: ClientMessage = { type: 'hello' },
) {
  const socket = await openSocket(server, client, workspaceId);
  socket.send(first);
  const welcome = await socket.next('welcome');
  socket.connectionId = welcome.connectionId;
  return { socket, welcome };
}

export type { WsTestClient };
