import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UPLOAD_MANIFEST_HEADER } from '../../shared/chat';
import { endpoints, resourceIdFor, type Endpoint, type EndpointName } from '../../shared/rest/endpoints';
import { fail, ok, type Result } from '../../shared/result';
import { SIGNED_HEADERS, type SignatureRejectionReason } from '../../shared/signedRequest';
import { accountHandlers } from './api/accountHandlers';
import { chatHandlers } from './api/chatHandlers';
import { updateHandlers } from './api/updateHandlers';
import { fileHandlers } from './api/fileHandlers';
import type { ApiDeps, ApiSession, EndpointHandlers, RelayCaller } from './api/context';
import { moderationHandlers } from './api/moderationHandlers';
import { relayHandlers } from './api/relayHandlers';
import { voiceHandlers } from './api/voiceHandlers';
import { webhookHandlers } from './api/webhookHandlers';
import { inputHandlers } from './api/inputHandlers';
import { adminHandlers } from './api/adminHandlers';
import { doctorHandlers } from './api/doctorHandlers';
import { serverInfoHandlers } from './api/serverInfoHandlers';
import { ssoHandlers } from './api/ssoHandlers';
import { workspaceHandlers } from './api/workspaceHandlers';
import { createLoginThrottle } from './auth/loginThrottle';
import { relaySecretText } from './auth/turnCredentials';
import { createRelay, type Relay } from './turn/relayServer';
import { createRelayFleet, relayAddressOf } from './turn/relayFleet';
import { createRequestVerifier } from './auth/requestVerifier';
import { loadServerConfigFile, parseServerConfig, type ServerConfig, type ServerConfigInput } from './config';
import { loadOrCreateCertificate } from './http/certificate';
import { createDrainGate } from './http/drainGate';
import { HttpError } from './http/httpError';
import { createHttpsServer, listen } from './http/httpsServer';
import { createRateLimiters } from './http/rateLimiter';
import { createRouter, type AuthenticateInput, type Route } from './http/router';
import { createWorkspaceInvite, serverCertificateOptions } from './inviteLinks';
import { attachSignallingServer, type SignallingServer } from './signalling/signallingServer';
import { openSharedState } from './sharedState/openSharedState';
import type { SharedState } from './sharedState/sharedState';
import { describeSharedState } from './sharedState/sharedStateConfig';
import { tuneServerHeap } from './heapTuning';
import { storeEventLog } from './storeEventLog';
import { createProviderDirectory } from './sso/providerDirectory';
import { providerFetch } from './sso/providerFetch';
import { ssoBrowserRoutes } from './sso/ssoBrowserRoutes';
import { createSsoFlow } from './sso/ssoFlow';
import { SSO_CALLBACK_PATH } from '../../shared/sso';
import { createTimelineService, type TimelineService } from './timeline/timelineService';
import {
  chooseDataKeySource,
  isStoreUnavailable,
  loadOrCreateDataKeys,
  openConfiguredStore,
  type SecretStore,
  type Store,
} from './store';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks/dispatcher';
import { meshAllocationsPerMember, meshReturnMembersOf } from './sfu/sfuConfig';
import { startSfuService, type SfuService } from './sfu/sfuService';
import type { LookupAll } from './webhooks/targetAddress';

export interface StartServerOptions {
  /** In-app: the OS keychain holds the data key. Headless: a 0600 key file or WHOOT_DATA_KEYS. */
  readonly secretStore?: SecretStore;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
  readonly log?: (message: string) => void;
  /** Tests: how soon a node that stopped heartbeating counts as dead (shared state in Redis). */
  readonly liveness?: { readonly ttlMs: number; readonly intervalMs: number };
  /** Tests: the DNS answers webhook targets get (a hostile resolver), and the retry jitter's randomness. */
  readonly webhookLookup?: LookupAll;
  readonly random?: () => number;
  /** Tests: sees every request the server sends its media server (Janus), to check what a client can make it do. */
  readonly sfuTap?: (request: Readonly<Record<string, unknown>>) => void;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  readonly spkiPin: string;
  readonly config: ServerConfig;
  readonly store: Store;
  /** Nonces, buckets, throttle counts, tickets, presence, rooms and the buses: this process's or Redis's. */
  readonly sharedState: SharedState;
  readonly signalling: SignallingServer;
  /** The embedded TURN relay, or null when `relay.enabled` is false (a coturn fleet serves voice). */
  readonly relay: Relay | null;
  /** The media server for large voice channels (Janus), or null when `sfu.enabled` is false. */
  readonly sfu: SfuService | null;
  /** Channel timelines: what inbound webhook inputs post through (`appendInputMessage`), and tests. */
  readonly timeline: TimelineService;
  /** Outbound webhook delivery; tests call `runDue()` after moving the clock. */
  readonly webhooks: WebhookDispatcher;
  /**
   * Graceful drain (SIGTERM): `/v1/ready` answers 503 at once, the listener stops accepting, requests arriving on
   * open connections get 503 `draining`, WSS clients are told to reconnect elsewhere (4005), and requests in flight
   * get up to `deadlineMs` (default `drainSeconds`) to finish. Resolves true when they all did. close() follows.
   */
  drain(deadlineMs?: number): Promise<boolean>;
  /** An invite link to a workspace (by slug), for the CLI's `invite` command and tests. */
  createInvite(slug: string, options?: { maxUses?: number; ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

/** The answer while the database does not answer: nothing was done, and the client may try again shortly. */
const STORE_UNAVAILABLE = () =>
  new HttpError(503, 'store_unavailable', 'The server cannot reach its database right now. Try again shortly.', {
    'retry-after': '5',
  });

/** How long the revocation feed keeps an entry: far longer than any credential a relay could still be holding. */
const REVOCATION_FEED_RETENTION_MS = 24 * 3600_000;

const rejectionMessages: Record<SignatureRejectionReason, string> = {
  missing_signature: 'This request must be signed.',
  malformed_signature: 'The request signature headers are malformed.',
  unknown_session: 'Your session has ended. Sign in again.',
  timestamp_out_of_window: 'The request is too old or from the future: check your clock.',
  bad_signature: 'The request signature does not match.',
  replayed_nonce: 'This request was already received.',
};

/** Opens the store, the certificate, the HTTPS listener with the REST routes, and WSS signalling on the same port. */
export async function startServer(
  input: ServerConfigInput | ServerConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const config = parseServerConfig(input);
  tuneServerHeap();
  const now = options.now ?? Date.now;
  const log = options.log ?? ((message: string) => console.log(`[whoot server] ${message}`));
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const keySource = chooseDataKeySource({
    dataDir: config.dataDir,
    ...(options.env ? { env: options.env } : {}),
    ...(options.secretStore ? { secretStore: options.secretStore } : {}),
  });
  const store = await openConfiguredStore(config.store, {
    dataDir: config.dataDir,
    keys: await loadOrCreateDataKeys(keySource),
    now,
  });
  let shared: SharedState | undefined;
  let sfu: SfuService | null = null;
  try {
    // The one place that chooses between memory and Redis (sharedState/openSharedState.ts).
    const sharedState = await openSharedState(config.sharedState, {
      storeNonces: store.nonces,
      now,
      report: (message) => log(message),
      ...(options.liveness ? { liveness: options.liveness } : {}),
    });
    shared = sharedState;
    log(`shared state ${describeSharedState(config.sharedState)}`);
    if (config.sfu.enabled && sharedState.cluster !== undefined) {
      // Each node runs its own Janus, and a room spanning nodes would be split between two of them.
      throw new Error('sfu.enabled works on one node for now: with sharedState "redis" keep it off (docs/voice.md).');
    }
    if (config.sfu.enabled && config.relay.enabled) {
      // A mesh at the line must fit the relay's per-user quota, or its last members' links get no relay candidate.
      const turnUrls = config.relay.tlsPort === undefined ? 2 : 3;
      const needed = meshAllocationsPerMember(config.sfu.meshMaxMembers, turnUrls);
      if (needed > config.relay.maxAllocationsPerUser) {
        throw new Error(
          `sfu.meshMaxMembers ${config.sfu.meshMaxMembers} needs ${needed} relay allocations per member in a mesh ` +
            `(one per other member and TURN URL), more than relay.maxAllocationsPerUser ` +
            `(${config.relay.maxAllocationsPerUser}): lower the one or raise the other (docs/voice.md).`,
        );
      }
    }
    if (config.sfu.enabled) {
      const relayAddress = config.relay.relayIp ?? config.relay.listenIp;
      sfu = startSfuService(config.dataDir, config.sfu, relayAddress, log, options.sfuTap);
      await sfu.ready.catch((error: unknown) => {
        throw new Error(`sfu: Janus could not start: ${(error as Error).message}`, { cause: error });
      });
    }
    const certificate = await loadOrCreateCertificate(serverCertificateOptions(config));
    let signalling: SignallingServer | null = null;
    let boundPort = config.listen.port;
    // Server mutes reach the media path through the signalling server, which knows who is in which voice room.
    const isMediaBlocked = (userId: string) => signalling?.isMediaBlocked(userId) ?? false;
    const relay = config.relay.enabled
      ? await startEmbeddedRelay(store, config, certificate, log, isMediaBlocked, now, sfu)
      : null;
    const relayFleet = config.relay.fleet === undefined ? null : createRelayFleet(config.relay.fleet, { log });
    // Probed once before the first request, so a relay that is down at start is not handed out.
    await relayFleet?.checkNow();
    relayFleet?.start();
    const { tickets } = sharedState;
    // The probes still answer while draining: /v1/ready says 503 itself, /v1/health that the process lives.
    const probePaths = new Set([endpoints.health.path, endpoints.ready.path]);
    const drainGate = createDrainGate({ exempt: (req) => req.method === 'GET' && probePaths.has(req.url ?? '') });
    const deps: ApiDeps = {
      store,
      config,
      spkiPin: certificate.spkiPin,
      publicPort: () => config.publicPort ?? boundPort,
      tickets,
      signalling: () => signalling,
      relay,
      relayFleet,
      sharedState,
      throttle: createLoginThrottle({ store: sharedState.loginThrottle, now: () => Math.floor(now() / 1000) }),
      now,
      audit: async (entry) => {
        await store.audit.append(entry);
      },
      recoveryKey: async () =>
        createHash('sha256')
          .update('whoot recovery codes v1\n')
          .update(await store.secrets.relaySecret())
          .digest(),
      log,
      draining: () => drainGate.closed,
      timeline: createTimelineService({
        store,
        publish: async (workspaceId, type, payload) => {
          // Attached before the listener starts, so no request can get here first.
          if (signalling === null) throw new Error('signalling is not attached yet');
          return signalling.publishWorkspaceEvent(workspaceId, type, payload);
        },
      }),
    };
    // Single sign-on: the redirect URI owners register at their provider is this server's public address.
    const callbackUrl = () => {
      const host = config.publicHost.includes(':') ? `[${config.publicHost}]` : config.publicHost;
      return new URL(`https://${host}:${config.publicPort ?? boundPort}${SSO_CALLBACK_PATH}`).href;
    };
    const ssoFlow = createSsoFlow({
      store,
      providers: createProviderDirectory({
        fetch: providerFetch({
          ...(config.sso.caFile === undefined ? {} : { extraCa: readFileSync(config.sso.caFile, 'utf8') }),
          timeoutMs: config.sso.timeoutSeconds * 1000,
        }),
        timeoutSeconds: config.sso.timeoutSeconds,
        now,
      }),
      callbackUrl,
      now,
      audit: deps.audit,
      log,
    });
    const handlers: EndpointHandlers = {
      ...accountHandlers(deps),
      ...workspaceHandlers(deps),
      ...voiceHandlers(deps),
      ...relayHandlers(deps),
      ...moderationHandlers(deps),
      ...webhookHandlers(deps),
      ...inputHandlers(deps),
      ...adminHandlers(deps),
      ...doctorHandlers(deps),
      ...chatHandlers(deps),
      ...fileHandlers(deps),
      ...serverInfoHandlers(deps),
      ...ssoHandlers(deps, ssoFlow, callbackUrl),
      ...updateHandlers(deps),
    };
    const rateLimiters = createRateLimiters(config.rateLimits, (bucket, name) => sharedState.rateLimiter(bucket, name));
    const router = createRouter<Endpoint, ApiSession>({
      routes: routesFrom(handlers, config),
      authenticate: signedRequestAuthenticator(store, sharedState, config, now),
      rateLimiters,
      now,
      logError: (name) => log(`request failed (${name})`),
      classifyError: (error) => (isStoreUnavailable(error) ? STORE_UNAVAILABLE() : null),
    });
    // The `auth` class: these pages are where sign-ins start and finish (the configuration always has 'default').
    const ssoLimiters = rateLimiters.get('auth') ?? rateLimiters.get('default');
    if (ssoLimiters === undefined) throw new Error('rate limits must define the "default" class');
    const ssoPages = ssoBrowserRoutes({ flow: ssoFlow, limiter: ssoLimiters.ip, now });
    const server = createHttpsServer({
      cert: certificate.cert,
      key: certificate.key,
      // The browser's two single sign-on pages first (redirects with query strings), then the REST router; a
      // draining node refuses both alike.
      handler: drainGate.wrap(async (req, res) => {
        try {
          if (await ssoPages(req, res)) return;
        } catch (error) {
          log(`request failed (${(error as Error).name})`);
          if (!res.headersSent) res.writeHead(500, { 'content-length': '0' });
          res.end();
          return;
        }
        await router(req, res);
      }),
    });
    signalling = attachSignallingServer({
      server,
      tickets,
      eventLog: storeEventLog(store),
      eventBus: sharedState.eventBus,
      roomBus: sharedState.roomBus,
      rooms: sharedState.rooms,
      presence: sharedState.presence,
      ...(sharedState.cluster ? { cluster: sharedState.cluster } : {}),
      ...(sharedState.membershipChanges ? { membershipChanges: sharedState.membershipChanges } : {}),
      serverMutes: await store.voiceMutes.all(),
      onMediaPolicyChanged: (userId) => relay?.mediaPolicyChanged(userId),
      sfu,
      callModeThresholds: {
        meshMaxMembers: config.sfu.meshMaxMembers,
        meshReturnMembers: meshReturnMembersOf(config.sfu),
      },
      // A sign-out or revocation through any node ends the session's allocations on this node's relay.
      onSessionEnded: (sessionId) => relay?.endSession(sessionId),
      canJoinRoom: async ({ userId, workspaceId, channelId }) => {
        const scope = store.forWorkspace(workspaceId);
        const [member, channel] = await Promise.all([scope.members.get(userId), scope.channels.get(channelId)]);
        // A text channel has a timeline but no voice room.
        return member === undefined || channel === undefined || channel.kind !== 'voice'
          ? { ok: false }
          : { ok: true, relayOnly: channel.relayOnly, voiceMode: channel.voiceMode };
      },
      allowedOrigins: config.allowedOrigins,
      // A candidate that merely claims `typ relay` must name one of this relay's own addresses to pass.
      relayAddresses: relayAddressesOf(config),
      heartbeatIntervalMs: config.heartbeatSeconds * 1000,
      report: (message) => log(message),
    });
    const listening = await listen(server, config.listen);
    boundPort = listening.port;
    const webhooks = createWebhookDispatcher({
      store,
      config: config.webhooks,
      ...(config.webhooks.caFile === undefined ? {} : { extraCa: readFileSync(config.webhooks.caFile, 'utf8') }),
      now,
      ...(options.random ? { random: options.random } : {}),
      ...(options.webhookLookup ? { lookup: options.webhookLookup } : {}),
      log,
    });
    webhooks.start();
    const pruneTimer = setInterval(() => {
      void store.events.prune().catch(() => undefined);
      // A relay run apart that falls further behind than this resyncs (docs/server.md, "Relay run apart").
      void store.sessions.pruneRevocations(now() - REVOCATION_FEED_RETENTION_MS).catch(() => undefined);
      // Blobs of deleted channels and workspaces, uploads never attached, part files a crash left (docs/chat.md).
      void store.files.sweep().catch(() => undefined);
      void store.sso.prune().catch(() => undefined);
    }, 60_000);
    pruneTimer.unref();
    log(`listening on https://${listening.host}:${listening.port} (key pin ${certificate.spkiPin})`);

    return {
      port: listening.port,
      host: listening.host,
      spkiPin: certificate.spkiPin,
      config,
      store,
      sharedState,
      signalling,
      async createInvite(slug, inviteOptions = {}) {
        const target = {
          host: config.publicHost,
          port: config.publicPort ?? listening.port,
          spkiPin: certificate.spkiPin,
        };
        return (await createWorkspaceInvite(store, target, slug, { ...inviteOptions, now, via: 'cli' })).link;
      },
      relay,
      sfu,
      timeline: deps.timeline,
      webhooks,
      async drain(deadlineMs = config.drainSeconds * 1000) {
        if (drainGate.closed) return drainGate.settled(deadlineMs);
        drainGate.close();
        listening.stopAccepting();
        signalling?.drain();
        log(`draining: ${drainGate.inFlight()} requests in flight, up to ${Math.round(deadlineMs / 1000)} s`);
        const settled = await drainGate.settled(deadlineMs);
        log(settled ? 'drained' : `drain deadline passed with ${drainGate.inFlight()} requests in flight`);
        return settled;
      },
      async close() {
        clearInterval(pruneTimer);
        relayFleet?.close();
        await webhooks.close();
        await signalling?.close();
        await relay?.close();
        await sfu?.close();
        await listening.close();
        await sharedState.close();
        await store.close();
      },
    };
  } catch (error) {
    await sfu?.close();
    await shared?.close();
    await store.close();
    throw error;
  }
}

/**
 * The bundled TURN relay, started with the server and bound to its sessions: an allocation lives while its session
 * (or the session a refresh rotated it into) does, and sign-out ends it at once (accountHandlers call endSession).
 */
async function startEmbeddedRelay(
  store: Store,
  config: ServerConfig,
  certificate: { cert: string; key: string },
  log: (message: string) => void,
  isMediaBlocked: (userId: string) => boolean,
  now: () => number,
  sfu: SfuService | null,
): Promise<Relay> {
  const secret = relaySecretText(await store.secrets.relaySecret());
  const relay = await createRelay({
    realm: 'whoot',
    secret,
    listen: {
      host: config.relay.listenIp,
      udpPort: config.relay.udpPort,
      tcpPort: config.relay.tcpPort,
      tls: config.relay.tlsPort === undefined ? null : { port: config.relay.tlsPort, ...certificate },
    },
    relay: {
      address: config.relay.relayIp ?? config.relay.listenIp,
      portRange: { min: config.relay.minPort, max: config.relay.maxPort },
    },
    isSessionLive: async (sessionId, userId) => (await store.sessions.liveFamilyOwner(sessionId)) === userId,
    isMediaBlocked,
    // The media server's ICE address and ports: the one private peer the relay may reach besides itself.
    ...(sfu === null ? {} : { sfuPeers: sfu.peers }),
    limits: {
      maxAllocations: config.relay.maxAllocations,
      maxAllocationsPerUser: config.relay.maxAllocationsPerUser,
      bandwidthBytesPerSecond: config.relay.bandwidthBytesPerSecond,
    },
    nonceTtlSeconds: config.relay.nonceTtlSeconds,
    now,
    log: (line) => log(`relay: ${line}`),
  });
  const { udp, tcp, tls } = relay.addresses;
  log(
    `relay on ${[udp && `udp ${udp.port}`, tcp && `tcp ${tcp.port}`, tls && `tls ${tls.port}`].filter(Boolean).join(', ')}`,
  );
  return relay;
}

export async function startServerFromFile(file: string, options: StartServerOptions = {}): Promise<RunningServer> {
  return startServer(loadServerConfigFile(file), options);
}

/** One router route per contract endpoint: the contract's path, method, body schema and rate class. */
function routesFrom(handlers: EndpointHandlers, config: ServerConfig): Route<Endpoint, ApiSession>[] {
  return (Object.keys(endpoints) as EndpointName[]).map((name) => {
    const endpoint: Endpoint = endpoints[name];
    const handler = handlers[name] as unknown as Route<Endpoint, ApiSession>['handler'];
    return {
      method: endpoint.method,
      path: endpoint.path,
      bodySchema: endpoint.body,
      ...(endpoint.rateClass === 'none' ? { unmetered: true } : { rateClass: endpoint.rateClass }),
      ...(endpoint.auth === 'none' ? {} : { auth: endpoint }),
      // A streamed upload's limit is the file size limit; its manifest rides in a header (docs/chat.md).
      ...(endpoint.stream === undefined ? {} : { stream: endpoint.stream }),
      ...(endpoint.stream === 'upload'
        ? { maxBodyBytes: config.chat.maxFileBytes, manifestHeader: UPLOAD_MANIFEST_HEADER }
        : {}),
      handler,
    };
  });
}

/**
 * The signed-request check for every `auth: 'signed'` route. Operation and resource id come from the route and
 * the request's own parameters, never from a client's claim about what it is doing.
 */
function signedRequestAuthenticator(store: Store, shared: SharedState, config: ServerConfig, now: () => number) {
  // The store's on one node (a request captured before a restart must still fail), Redis's with several.
  const nonces = shared.nonces;
  /**
   * A relay run apart signs like a session does, keyed by the TURN REST secret text it already holds; the session
   * header carries its relay id, which also keys the nonce cache and the rate limit (as `relay:{id}`).
   */
  async function relayAuthenticator({
    request,
    rawBody,
    endpoint,
  }: {
    request: AuthenticateInput<Endpoint>['request'];
    rawBody: Buffer;
    endpoint: Endpoint;
  }): Promise<Result<RelayCaller>> {
    // Read per request, as voice credentials are minted: the relay and the server share whatever secret is current.
    const secret = Buffer.from(relaySecretText(await store.secrets.relaySecret()), 'utf8');
    const verify = createRequestVerifier({
      nonces: {
        remember: (relayId, nonce, expiresAt, nowSeconds) =>
          nonces.remember(`relay:${relayId}`, nonce, expiresAt, nowSeconds),
      },
      now: () => Math.floor(now() / 1000),
      lookupSecret: () => secret,
    });
    const verified = await verify({
      headers: request.headers,
      operation: endpoint.operation ?? '',
      resourceId: '',
      body: rawBody,
    });
    // A session's own message is refused here too: no user holds the relay secret, and the reasons reveal nothing.
    if (!verified.ok) return fail(verified.reason, rejectionMessages[verified.reason]);
    const nonce = request.headers[SIGNED_HEADERS.nonce];
    return ok({
      sessionId: `relay:${verified.sessionId}`,
      userId: '',
      relayId: verified.sessionId,
      requestNonce: typeof nonce === 'string' ? nonce : '',
    });
  }
  return async ({
    request,
    route,
    params,
    rawBody,
    json,
  }: AuthenticateInput<Endpoint>): Promise<Result<ApiSession>> => {
    const endpoint = route.auth;
    if (endpoint.auth === 'relay') return relayAuthenticator({ request, rawBody, endpoint });
    const sessionHeader = request.headers[SIGNED_HEADERS.session];
    const resourceId = resourceIdFor(endpoint, {
      params,
      body: json,
      sessionId: typeof sessionHeader === 'string' ? sessionHeader : '',
    });
    let userId: string | null = null;
    const verify = createRequestVerifier({
      nonces,
      now: () => Math.floor(now() / 1000),
      lookupSecret: async (sessionId) => {
        const live = await store.sessions.getLive(sessionId);
        userId = live?.userId ?? null;
        return live?.secret ?? null;
      },
    });
    const verified = await verify({
      headers: request.headers,
      operation: endpoint.operation ?? '',
      resourceId,
      body: rawBody,
    });
    if (!verified.ok) return fail(verified.reason, rejectionMessages[verified.reason]);
    if (userId === null) return fail('unknown_session', rejectionMessages.unknown_session);
    await store.sessions.touch(verified.sessionId, now() + config.sessions.idleMinutes * 60_000);
    return ok({ sessionId: verified.sessionId, userId });
  };
}

/**
 * The IP literals the relays are reached at (the embedded one, and every relay of the fleet); a host name cannot be
 * matched against candidates, which carry IPs.
 */
function relayAddressesOf(config: ServerConfig): string[] {
  const candidates = [
    config.relay.host ?? config.publicHost,
    config.relay.relayIp ?? config.relay.listenIp,
    ...(config.relay.fleet?.relays.map(relayAddressOf) ?? []),
  ];
  return [...new Set(candidates.filter((host) => isIP(host) !== 0))];
}
