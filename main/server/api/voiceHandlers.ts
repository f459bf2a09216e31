import { WS_PATH } from '../../../shared/ws';
import { iceServersFor, mintTurnCredentials, relaySecretText } from '../auth/turnCredentials';
import { HttpError } from '../http/httpError';
import { can } from '../permissions';
import { nowSeconds, type ApiDeps, type EndpointHandlers } from './context';
import { findChannelForMember, requireMember } from './membership';

/** TURN credentials for a channel the caller may join, and one-time WSS connect tickets. */
export function voiceHandlers(deps: ApiDeps): Pick<EndpointHandlers, 'voiceCredentials' | 'wsTicket'> {
  const { store, config } = deps;
  return {
    async voiceCredentials({ session, body }) {
      const { channel, role } = await findChannelForMember(store, session.userId, body.channelId);
      if (!can(role, 'voice.join')) throw new HttpError(403, 'forbidden', 'Your role does not allow joining voice.');
      const minted = mintTurnCredentials({
        secret: relaySecretText(await store.secrets.relaySecret()),
        userId: session.userId,
        sessionId: session.sessionId,
        ttlSeconds: config.relay.credentialTtlSeconds,
        now: nowSeconds(deps),
      });
      if (!minted.ok) throw new HttpError(500, 'internal_error', 'The server could not complete the request.');
      const server = iceServersFor({
        host: config.relay.host ?? config.publicHost,
        ports: {
          udp: config.relay.udpPort,
          tcp: config.relay.tcpPort,
          ...(config.relay.tlsPort ? { tls: config.relay.tlsPort } : {}),
        },
        credentials: minted.value,
      });
      if (!server.ok) throw new HttpError(500, 'internal_error', 'The server could not complete the request.');
      await deps.audit({
        type: 'voice.credentials_issued',
        actorUserId: session.userId,
        workspaceId: channel.workspaceId,
        details: { channelId: channel.id, expiresAt: minted.value.expiresAt },
      });
      return {
        status: 200,
        body: {
          iceServers: [server.value],
          iceTransportPolicy: channel.relayOnly ? 'relay' : 'all',
          clusterId: config.relay.clusterId,
          expiresAt: minted.value.expiresAt,
        },
      };
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
