import { createHmac } from 'node:crypto';
import {
  endpoints,
  RELAY_FEED_HEADERS,
  RELAY_FEED_PAGE,
  relayResponseMessage,
  type RelayEndpoint,
} from '../../../shared/rest/endpoints';
import { sha256Hex } from '../../crypto/requestSignature';
import { relaySecretText } from '../auth/turnCredentials';
import { nowSeconds, type ApiDeps, type EndpointHandlers } from './context';

/**
 * What a relay run apart asks (docs/server.md, "Relay run apart"): the revocation feed and the session check. Each
 * answer is signed with the relay secret over the request's nonce, the operation and the body, which is serialised
 * here with the same JSON.stringify the router uses, so the signature covers the exact bytes the relay receives.
 */
export function relayHandlers(deps: ApiDeps): Pick<EndpointHandlers, 'relayRevocations' | 'relaySessions'> {
  const { store } = deps;

  async function signedAnswer<P>(name: RelayEndpoint, requestNonce: string, payload: P) {
    const timestamp = nowSeconds(deps);
    const signature = createHmac('sha256', Buffer.from(relaySecretText(await store.secrets.relaySecret()), 'utf8'))
      .update(
        relayResponseMessage({
          operation: endpoints[name].operation,
          requestNonce,
          timestamp,
          bodySha256Hex: sha256Hex(JSON.stringify(payload)),
        }),
        'utf8',
      )
      .digest('hex');
    return {
      status: 200 as const,
      body: payload,
      headers: { [RELAY_FEED_HEADERS.timestamp]: String(timestamp), [RELAY_FEED_HEADERS.signature]: signature },
    };
  }

  return {
    async relayRevocations({ session, body }) {
      const { oldestSeq, latestSeq } = await store.sessions.revocationBounds();
      // Behind what is kept (entries were pruned past its cursor) or ahead of it (another database): start over.
      const resync = body.afterSeq > latestSeq || (body.afterSeq > 0 && body.afterSeq < oldestSeq - 1);
      const after = resync ? 0 : body.afterSeq;
      const rows = await store.sessions.revocationsSince(after, RELAY_FEED_PAGE);
      return signedAnswer('relayRevocations', session.requestNonce, {
        entries: rows.map((row) => ({ seq: row.seq, sessionIds: row.familySessionIds.slice(0, 10_000) })),
        latestSeq,
        resync,
      });
    },

    async relaySessions({ session, body }) {
      // Live and the named user's: a username minted with the secret alone names a session the server never issued,
      // or someone else's, and gets false here either way.
      const live: boolean[] = [];
      for (const asked of body.sessions)
        live.push((await store.sessions.liveFamilyOwner(asked.sessionId)) === asked.userId);
      return signedAnswer('relaySessions', session.requestNonce, { live });
    },
  };
}
