import { createHmac, randomBytes } from 'node:crypto';
import { WEBHOOK_HEADERS, type WebhookEventBody } from '../../../shared/webhookEvents';
import { WEBHOOK_SIGNATURE_HEADER, webhookSignatureHeader, type HmacSha256Hex } from '../../../shared/webhookSignature';
import type { ClaimedDelivery } from '../store';

/** node:crypto behind the shared signature format; a string key is taken as its UTF-8 bytes. */
export const hmacSha256Hex: HmacSha256Hex = (key, message) =>
  createHmac('sha256', key).update(message, 'utf8').digest('hex');

/** A new signing secret, shown once to the admin who creates or rotates it. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The body: the same bytes on every attempt, since everything in it was frozen when the event was queued. */
export function deliveryBody(claim: ClaimedDelivery): string {
  const body = {
    id: claim.event.id,
    type: claim.event.type,
    workspaceId: claim.workspaceId,
    occurredAt: claim.event.occurredAt,
    data: claim.event.data,
  } as WebhookEventBody;
  return JSON.stringify(body);
}

/** Headers of one attempt, signed at send time (so `t` is fresh on a retry, while the body is unchanged). */
export function deliveryHeaders(claim: ClaimedDelivery, body: string, nowSeconds: number): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'whoot-webhooks/1',
    [WEBHOOK_SIGNATURE_HEADER]: webhookSignatureHeader({
      body,
      timestamp: nowSeconds,
      secrets: claim.secrets,
      hmac: hmacSha256Hex,
    }),
    [WEBHOOK_HEADERS.eventId]: claim.event.id,
    [WEBHOOK_HEADERS.eventType]: claim.event.type,
    [WEBHOOK_HEADERS.attempt]: String(claim.attempt),
  };
}
