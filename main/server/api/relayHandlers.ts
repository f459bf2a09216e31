import { createHmac } from 'node:crypto';
import { RELAY_FEED_HEADERS, RELAY_FEED_PAGE, relayFeedResponseMessage } from '../../../shared/rest/endpoints';
import { sha256Hex } from '../../crypto/requestSignature';
import { relaySecretText } from '../auth/turnCredentials';
import { nowSeconds, type ApiDeps, type EndpointHandlers } from './context';

/**
 * The revocation feed for a relay run apart (docs/server.md, "Relay run apart"). The body is serialised here, with
 * the same JSON.stringify the router uses, so the signature covers the exact bytes the relay receives.
 */
export function relayHandlers(deps: ApiDeps): Pick<EndpointHandlers, 'relayRevocations'> {
  const { store } = deps;
  return {
    async relayRevocations({ session, body }) {
      const { oldestSeq, latestSeq } = await store.sessions.revocationBounds();
      // Behind what is kept (entries were pruned past its cursor) or ahead of it (another database): start over.
      const resync = body.afterSeq > latestSeq || (body.afterSeq > 0 && body.afterSeq < oldestSeq - 1);
      const after = resync ? 0 : body.afterSeq;
      const rows = await store.sessions.revocationsSince(after, RELAY_FEED_PAGE);
      const payload = {
        entries: rows.map((row) => ({ seq: row.seq, sessionIds: row.familySessionIds.slice(0, 10_000) })),
        latestSeq,
        resync,
      };
      const timestamp = nowSeconds(deps);
      const signature = createHmac('sha256', Buffer.from(relaySecretText(await store.secrets.relaySecret()), 'utf8'))
        .update(
          relayFeedResponseMessage({
            requestNonce: session.requestNonce,
            timestamp,
            bodySha256Hex: sha256Hex(JSON.stringify(payload)),
          }),
          'utf8',
        )
        .digest('hex');
      return {
        status: 200,
        body: payload,
        headers: { [RELAY_FEED_HEADERS.timestamp]: String(timestamp), [RELAY_FEED_HEADERS.signature]: signature },
      };
    },
  };
}
