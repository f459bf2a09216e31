import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Result } from '../../../shared/result';
import { parseInput } from '../../../shared/validation';
import { clientRateKey } from './clientAddress';
import { HttpError, INTERNAL_ERROR, errorBody } from './httpError';
import {
  DEFAULT_MAX_BODY_BYTES,
  checkBodyHeaders,
  checkDeclaredLength,
  hasBody,
  parseJsonBody,
  parseRequestTarget,
  readBody,
} from './request';
import { DEFAULT_LINGER, lingerOnRefusal, type LingerLimits } from './lingeringClose';
import { sendJson, sendStream, type HandlerResult } from './response';
import { compareSpecificity, compilePath, matchPath, type CompiledPath, type PathParams } from './routePath';
import { createRateLimiters, type RateDecision, type RateLimiters } from './rateLimiter';

export type { HandlerResult, StreamResult } from './response';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Awaitable<T> = T | Promise<T>;

/** The body schema of a route that declares none: only an empty object (or no body at all) gets through. */
export const emptyBodySchema = z.strictObject({});
type EmptyBody = typeof emptyBodySchema;

/** What authentication must yield at least: the session the request is charged to. */
export interface AuthenticatedSession {
  readonly sessionId: string;
}

export interface RequestContext<Params, Body, Session> {
  readonly params: Params;
  /** The body after its route's schema: typed, unknown fields already refused. */
  readonly body: Body;
  /** The authenticated session on routes that declare `auth`; undefined on public routes. */
  readonly session: Session;
  readonly rawBody: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly clientAddress: string | undefined;
  /**
   * The request itself. On a `stream: 'upload'` route its body has not been read: the handler streams it (and the
   * router closes the connection after the answer if the handler left part of it unread).
   */
  readonly request: IncomingMessage;
}

interface RouteFields<P extends string, S extends z.ZodType> {
  readonly method: HttpMethod;
  /** '/v1/workspaces/:workspaceId/channels': fixed segments and named parameters, nothing else. */
  readonly path: P;
  readonly bodySchema?: S;
  /** Narrows the path parameters further than the default alphabet (a UUID, a slug); failing it is a 400. */
  readonly paramsSchema?: z.ZodType<PathParams<P>>;
  readonly maxBodyBytes?: number;
  /** A class of the rate-limit configuration; 'default' unless set. */
  readonly rateClass?: string;
  /**
   * Never charged to any bucket: for health probes only. A load balancer's probes share their address with clients
   * (TLS passthrough, NAT), so a bucket per address would let one client starve them and take the node out of
   * rotation; such a route must cost no more than a refusal would.
   */
  readonly unmetered?: boolean;
  /**
   * 'upload': the body is `application/octet-stream` with a declared Content-Length (within `maxBodyBytes`) that the
   * handler streams; the JSON the schema validates and the signature covers comes from the `manifestHeader`
   * (base64url JSON) instead. 'download': the handler may answer with a stream (StreamResult).
   */
  readonly stream?: 'upload' | 'download';
  readonly manifestHeader?: string;
}

export interface PublicRoute<P extends string, S extends z.ZodType> extends RouteFields<P, S> {
  readonly auth?: undefined;
  readonly handler: (context: RequestContext<PathParams<P>, z.output<S>, undefined>) => Awaitable<HandlerResult>;
}

export interface SessionRoute<P extends string, S extends z.ZodType, A, Session> extends RouteFields<P, S> {
  /** What the authenticate hook needs to check this route (for signed requests: operation and resource source). */
  readonly auth: A;
  readonly handler: (context: RequestContext<PathParams<P>, z.output<S>, Session>) => Awaitable<HandlerResult>;
}

/** A route with its types erased, as the router holds it; build one with `routeDefiner`. */
export interface Route<A, Session> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth?: A;
  readonly bodySchema?: z.ZodType;
  readonly paramsSchema?: z.ZodType<Readonly<Record<string, string>>>;
  readonly maxBodyBytes?: number;
  readonly rateClass?: string;
  readonly unmetered?: boolean;
  readonly stream?: 'upload' | 'download';
  readonly manifestHeader?: string;
  readonly handler: (
    context: RequestContext<Readonly<Record<string, string>>, unknown, Session | undefined>,
  ) => Awaitable<HandlerResult>;
}

/**
 * Returns the function to declare routes with. Declaring `auth` makes the handler's `session` the authenticated
 * `Session`; leaving it out makes it undefined, so a handler cannot use a session its route never checked.
 */
export function routeDefiner<A extends object, Session extends AuthenticatedSession>() {
  function route<const P extends string, S extends z.ZodType = EmptyBody>(
    definition: SessionRoute<P, S, A, Session>,
  ): Route<A, Session>;
  function route<const P extends string, S extends z.ZodType = EmptyBody>(
    definition: PublicRoute<P, S>,
  ): Route<A, Session>;
  function route(definition: object): Route<A, Session> {
    return definition as Route<A, Session>;
  }
  return route;
}

export interface AuthenticateInput<A> {
  readonly request: IncomingMessage;
  readonly route: { readonly method: HttpMethod; readonly path: string; readonly auth: A };
  readonly params: Readonly<Record<string, string>>;
  /** The exact bytes received: what a request signature covers. */
  readonly rawBody: Buffer;
  /** The body parsed as JSON but not yet validated, for a signed resource id that lives in a body field. */
  readonly json: unknown;
}

/**
 * The authentication hook (the signed-request verifier plugs in here). It runs after the body has been read and
 * before any schema sees it; a failed Result is answered 401 with its code and message and nothing else runs.
 */
export type Authenticate<A, Session> = (input: AuthenticateInput<A>) => Awaitable<Result<Session>>;

export interface RouterOptions<A, Session> {
  readonly routes: readonly Route<A, Session>[];
  /** Required when any route declares `auth`. */
  readonly authenticate?: Authenticate<A, Session>;
  readonly rateLimiters?: RateLimiters;
  readonly maxBodyBytes?: number;
  /** How much of a refused body is read and discarded after an early answer, and for how long (lingeringClose.ts). */
  readonly linger?: LingerLimits;
  /** Milliseconds since the epoch; tests inject a clock. */
  readonly now?: () => number;
  /** Receives the name of an unexpected error, never its message, stack or the request. */
  readonly logError?: (errorName: string) => void;
  /**
   * Turns an error that is not a fault of the request or the code (the database not answering) into the answer it
   * deserves, e.g. a 503 with Retry-After; null leaves it a 500.
   */
  readonly classifyError?: (error: unknown) => HttpError | null;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface CompiledRoute<A, Session> {
  readonly route: Route<A, Session>;
  readonly path: CompiledPath;
}

type Lookup<A, Session> =
  | { readonly kind: 'route'; readonly entry: CompiledRoute<A, Session>; readonly params: Record<string, string> }
  | { readonly kind: 'wrong_method'; readonly allow: string }
  | { readonly kind: 'none' };

/**
 * The one request pipeline, cheapest refusal first: rate limit (by address), path, method, headers, body size,
 * JSON syntax, authentication, rate limit (by session), schemas, handler. Every answer, refusals included, goes
 * through sendJson, so every response carries the security and rate-limit headers and the JSON error shape.
 * The returned promise never rejects.
 */
export function createRouter<A extends object, Session extends AuthenticatedSession>(
  options: RouterOptions<A, Session>,
): RequestHandler {
  const rateLimiters = options.rateLimiters ?? createRateLimiters();
  const defaultLimit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const linger = options.linger ?? DEFAULT_LINGER;
  const logError = options.logError ?? ((name) => console.error(`whoot server: request failed (${name})`));
  const routes = compileRoutes(options, rateLimiters);
  const { authenticate, classifyError } = options;

  function lookup(method: string | undefined, path: readonly string[]): Lookup<A, Session> {
    const matches = routes.flatMap((entry) => {
      const params = matchPath(entry.path, path);
      return params === null ? [] : [{ entry, params }];
    });
    if (matches.length === 0) return { kind: 'none' };
    const forMethod = matches.filter(({ entry }) => entry.route.method === method);
    forMethod.sort((a, b) => compareSpecificity(a.entry.path, b.entry.path));
    const best = forMethod[0];
    if (best !== undefined) return { kind: 'route', ...best };
    const allow = [...new Set(matches.map(({ entry }) => entry.route.method))].sort().join(', ');
    return { kind: 'wrong_method', allow };
  }

  async function take(scope: 'ip' | 'session', rateClass: string, key: string): Promise<RateDecision> {
    // compileRoutes checked that every class a route names exists, and that 'default' does.
    const limiters = rateLimiters.get(rateClass) ?? rateLimiters.get('default');
    if (limiters === undefined) throw new Error('No rate limiter for this request');
    return limiters[scope].take(`${scope}:${key}`, 1, now());
  }

  async function run(req: IncomingMessage, res: ServerResponse, state: ResponseState): Promise<void> {
    const target = parseRequestTarget(req.url);
    const found: Lookup<A, Session> = target.ok ? lookup(req.method, target.value) : { kind: 'none' };
    const rateClass = found.kind === 'route' ? (found.entry.route.rateClass ?? 'default') : 'default';
    const unmetered = found.kind === 'route' && found.entry.route.unmetered === true;
    const byAddress = unmetered ? null : await take('ip', rateClass, clientRateKey(req.socket.remoteAddress));
    if (byAddress !== null) {
      state.rateHeaders = rateLimitHeaders(byAddress);
      if (!byAddress.allowed) throw rateLimited();
    }
    if (!target.ok) throw new HttpError(400, target.error.code, target.error.message);
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      throw new HttpError(400, 'bad_request', 'HTTP/1.1 requests must carry a Host header.');
    }
    if (found.kind === 'none') throw new HttpError(404, 'not_found', 'No such endpoint.');
    if (found.kind === 'wrong_method') {
      throw new HttpError(405, 'method_not_allowed', 'This endpoint does not accept that method.', {
        allow: found.allow,
      });
    }
    const { route } = found.entry;
    const expect = req.headers.expect;
    if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
      throw new HttpError(417, 'expectation_failed', 'Only "Expect: 100-continue" is supported.');
    }
    const bodyLimit = route.maxBodyBytes ?? defaultLimit;
    const streaming = route.stream === 'upload';
    let rawBody: Buffer;
    if (streaming) {
      // The body stays unread until the handler streams it; what is signed and validated is the manifest header.
      checkUploadHeaders(req, bodyLimit);
      rawBody = manifestBytes(req, route.manifestHeader);
    } else {
      checkBodyHeaders(req);
      checkDeclaredLength(req, bodyLimit);
      // Node leaves 100-continue to us (checkContinue): only a request that passed every header check gets it.
      if (expect !== undefined && hasBody(req)) res.writeContinue();
      rawBody = await readBody(req, bodyLimit);
    }
    const json = parseJsonBody(rawBody);

    let session: Session | undefined;
    if (route.auth !== undefined) {
      // Fails closed (a 500); compileRoutes already refuses an auth route without a hook.
      if (authenticate === undefined) throw new Error('No authenticate hook');
      const outcome = await authenticate({
        request: req,
        route: { method: route.method, path: route.path, auth: route.auth },
        params: found.params,
        rawBody,
        json,
      });
      if (!outcome.ok) throw new HttpError(401, outcome.error.code, outcome.error.message);
      session = outcome.value;
      const bySession = await take('session', rateClass, session.sessionId);
      state.rateHeaders = rateLimitHeaders(byAddress === null ? bySession : tighter(byAddress, bySession));
      if (!bySession.allowed) throw rateLimited();
    }

    const params = route.paramsSchema ? validate(route.paramsSchema, found.params, 'path') : found.params;
    const body = validate(route.bodySchema ?? emptyBodySchema, json, 'request body');
    // An upload is invited (100 Continue) only once it is authenticated and its manifest is valid.
    if (streaming && expect !== undefined) res.writeContinue();
    const result = await route.handler({
      params,
      body,
      session,
      rawBody,
      headers: req.headers,
      clientAddress: req.socket.remoteAddress,
      request: req,
    });
    const options = { headers: state.rateHeaders, closeConnection: answeringEarly(req) };
    if ('stream' in result) {
      sendStream(res, result, options);
    } else {
      sendJson(res, result, options);
    }
  }

  /**
   * An answer that goes out before the body ended (a refusal, or an upload handler that stopped reading) closes the
   * connection, lingering first so that a client still sending gets to read it (lingeringClose.ts).
   */
  function answeringEarly(req: IncomingMessage): boolean {
    if (!hasBody(req) || req.complete) return false;
    lingerOnRefusal(req, linger);
    return true;
  }

  return async function handle(req, res) {
    const state: ResponseState = { rateHeaders: {} };
    try {
      await run(req, res, state);
    } catch (thrown) {
      const options = { headers: state.rateHeaders, closeConnection: answeringEarly(req) };
      const error = thrown instanceof HttpError ? thrown : (classifyError?.(thrown) ?? thrown);
      if (error instanceof HttpError) {
        // A handler's own 429 (rateLimitedBy) describes the bucket that refused: its headers win over the address's.
        const own = error.status === 429 ? error.headers : {};
        const headers = { ...error.headers, ...state.rateHeaders, ...own };
        sendJson(res, { status: error.status, body: errorBody(error.code, error.message) }, { ...options, headers });
      } else {
        logError(errorName(error));
        sendJson(res, { status: 500, body: INTERNAL_ERROR }, options);
      }
    }
  };
}

interface ResponseState {
  rateHeaders: Record<string, string>;
}

function compileRoutes<A, Session>(options: RouterOptions<A, Session>, limiters: RateLimiters) {
  if (!limiters.has('default')) throw new Error('The rate limiters must include the "default" class.');
  const seen = new Set<string>();
  return options.routes.map((route): CompiledRoute<A, Session> => {
    const path = compilePath(route.path);
    const key = `${route.method} ${path.shape}`;
    if (seen.has(key)) throw new Error(`Two routes answer ${key}`);
    seen.add(key);
    if (route.unmetered === true && (route.auth !== undefined || route.method !== 'GET')) {
      throw new Error(`Route ${key} cannot be unmetered: only public GET probes are`);
    }
    if (route.rateClass !== undefined && !limiters.has(route.rateClass)) {
      throw new Error(`Route ${key} names an unknown rate-limit class "${route.rateClass}"`);
    }
    if (route.auth !== undefined && options.authenticate === undefined) {
      throw new Error(`Route ${key} needs authentication but the router has no authenticate hook`);
    }
    if (route.maxBodyBytes !== undefined && !(Number.isSafeInteger(route.maxBodyBytes) && route.maxBodyBytes >= 0)) {
      throw new Error(`Route ${key} has an invalid body size limit`);
    }
    return { route, path };
  });
}

function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = parseInput(schema, input, what);
  if (!parsed.ok) throw new HttpError(400, parsed.error.code, parsed.error.message);
  return parsed.value;
}

const rateLimited = () => new HttpError(429, 'rate_limited', 'Too many requests: slow down and retry later.');

function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(decision.resetSeconds),
    ...(decision.allowed ? {} : { 'retry-after': String(decision.retryAfterSeconds ?? decision.resetSeconds) }),
  };
}

/** The bucket the client will hit first: a refusing one, else the one with fewer tokens left. */
function tighter(a: RateDecision, b: RateDecision): RateDecision {
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  if (a.remaining !== b.remaining) return a.remaining < b.remaining ? a : b;
  return a.limit <= b.limit ? a : b;
}

/** Only a plain identifier: a name built from input must not reach the log either. */
function errorName(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z0-9_]{1,64}$/.test(name) ? name : 'Error';
}

/**
 * A streamed upload's headers: `application/octet-stream`, not compressed, a Content-Length within the limit (no
 * chunked bodies: the size is part of what the client signs). Checked before a byte of the body is read.
 */
function checkUploadHeaders(req: IncomingMessage, limit: number): void {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HttpError(415, 'unsupported_media_type', 'Uploads must not be compressed.');
  }
  if ((req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/octet-stream') {
    throw new HttpError(415, 'unsupported_media_type', 'Uploads must be sent as application/octet-stream.');
  }
  if (req.headers['transfer-encoding'] !== undefined || !/^[0-9]{1,16}$/.test(req.headers['content-length'] ?? '')) {
    throw new HttpError(411, 'length_required', 'Uploads must declare their Content-Length.');
  }
  checkDeclaredLength(req, limit);
}

/** The manifest a streamed upload carries in a header: base64url of the JSON the signature covers. */
function manifestBytes(req: IncomingMessage, header: string | undefined): Buffer {
  const value = header === undefined ? undefined : req.headers[header];
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,8192}$/.test(value)) {
    throw new HttpError(400, 'bad_manifest', 'The upload manifest header is missing or malformed.');
  }
  return Buffer.from(value, 'base64url');
}

/**
 * A handler's refusal by its own bucket (per user and channel, say): a 429 whose rate-limit headers describe that
 * bucket, with Retry-After, in the same form the router's own buckets use.
 */
export function rateLimitedBy(decision: RateDecision): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    'Too many requests: slow down and retry later.',
    rateLimitHeaders(decision),
  );
}
