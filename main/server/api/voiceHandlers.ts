import type { IceServer } from '../../../shared/rest/endpoints';
import { WS_PATH } from '../../../shared/ws';
import { iceServersFor, mintTurnCredentials, relaySecretText } from '../auth/turnCredentials';
import { HttpError } from '../http/httpError';
import { can } from '../permissions';
import { nowSeconds, type ApiDeps, type EndpointHandlers } from './context';
import { findChannelForMember, notFound, requireMember } from './membership';

/** TURN credentials for a channel the caller may join, and one-time WSS connect tickets. */
export function voiceHandlers(
  deps: ApiDeps,
): Pick<EndpointHandlers, 'voiceCredentials' | 'voiceRooms' | 'wsTicket' | 'adminStats'> {
  const { store, config } = deps;
  return {
    async voiceCredentials({ session, body }) {
      const { channel, role } = await findChannelForMember(store, session.userId, body.channelId);
      // A text channel has no voice room: it answers like a channel that does not exist.
      if (channel.kind !== 'voice') throw notFound();
      if (!can(role, 'voice.join')) throw new HttpError(403, 'forbidden', 'Your role does not allow joining voice.');
      // Keyed by the channel: everyone in this voice room gets the same relay, whichever node they asked.
      const { iceServer, expiresAt } = await relayIceServer(
        deps,
        session,
        config.relay.credentialTtlSeconds,
        channel.id,
      );
      await deps.audit({
        type: 'voice.credentials_issued',
        actorUserId: session.userId,
        workspaceId: channel.workspaceId,
        details: { channelId: channel.id, expiresAt },
      });
      return {
        status: 200,
        body: {
          iceServers: [iceServer],
          iceTransportPolicy: channel.relayOnly ? 'relay' : 'all',
          clusterId: config.relay.clusterId,
          expiresAt,
        },
      };
    },

    /** Operational counters for the server owner; they hold no credentials or addresses. */
    async adminStats({ session }) {
      const user = await store.users.byId(session.userId);
      if (!user?.serverOwner) throw new HttpError(403, 'forbidden', 'Only the server owner can see server statistics.');
      return {
        status: 200,
        body: {
          relay: deps.relay ? { ...deps.relay.stats() } : null,
          signalling: { connections: deps.signalling()?.connectionCount() ?? 0 },
        },
      };
    },

    async voiceRooms({ session, params }) {
      const workspaceId = params['workspaceId'] ?? '';
      await requireMember(store, workspaceId, session.userId);
      // Sequence first: any membership change stored after it is reflected in the rooms read next, or arrives later.
      const seq = await store.forWorkspace(workspaceId).events.latestSeq();
      return { status: 200, body: { seq, rooms: (await deps.signalling()?.voiceRooms(workspaceId)) ?? [] } };
    },
    async wsTicket({ session, body }) {
      await requireMember(store, body.workspaceId, session.userId);
      const minted = await deps.tickets.mint({
        sessionId: session.sessionId,
        userId: session.userId,
        workspaceId: body.workspaceId,
      });
      return {
        status: 200,
        body: { ticket: minted.ticket, expiresAt: Math.floor(minted.expiresAt / 1000), path: WS_PATH },
      };
    },
  };
}

/**
 * Fresh TURN credentials for this session, as the relay entry a client puts in its ICE configuration: the voice
 * credentials and the network doctor's differ only in how long they live. With a relay fleet, `roomKey` (the
 * voice channel) chooses the relay, so both ends of a call meet on one.
 */
export async function relayIceServer(
  deps: ApiDeps,
  session: { readonly userId: string; readonly sessionId: string },
  ttlSeconds: number,
  roomKey: string,
): Promise<{ iceServer: IceServer; expiresAt: number }> {
  const minted = mintTurnCredentials({
    secret: relaySecretText(await deps.store.secrets.relaySecret()),
    userId: session.userId,
    sessionId: session.sessionId,
    ttlSeconds,
    now: nowSeconds(deps),
  });
  if (!minted.ok) throw new HttpError(500, 'internal_error', 'The server could not complete the request.');
  const fleetRelay = deps.relayFleet?.pick(roomKey);
  const server = iceServersFor(
    fleetRelay === undefined
      ? { host: deps.config.relay.host ?? deps.config.publicHost, ports: relayPorts(deps), credentials: minted.value }
      : {
          host: fleetRelay.host,
          ports: { udp: fleetRelay.udpPort, tcp: fleetRelay.tcpPort, tls: fleetRelay.tlsPort },
          credentials: minted.value,
        },
  );
  if (!server.ok) throw new HttpError(500, 'internal_error', 'The server could not complete the request.');
  return { iceServer: server.value, expiresAt: minted.value.expiresAt };
}

/**
 * The ports TURN URLs name: those the embedded relay actually bound (they may have been picked at start-up), or
 * the configured ones when a relay fleet runs apart from this server.
 */
export function relayPorts(deps: ApiDeps): { udp?: number; tcp?: number; tls?: number } {
  const bound = deps.relay?.addresses;
  if (bound) {
    return {
      ...(bound.udp ? { udp: bound.udp.port } : {}),
      ...(bound.tcp ? { tcp: bound.tcp.port } : {}),
      ...(bound.tls ? { tls: bound.tls.port } : {}),
    };
  }
  const { udpPort, tcpPort, tlsPort } = deps.config.relay;
  return { udp: udpPort, tcp: tcpPort, ...(tlsPort === undefined ? {} : { tls: tlsPort }) };
}
