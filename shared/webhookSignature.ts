import { fail, ok, type Result } from './result';

/**
 * The outbound webhook signature (ARCHITECTURE.md, Webhooks), defined once: the server signs with it, the tests'
 * receivers and docs/admin.md verify with it. The header is
 *
 *   X-Whoot-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, "{t}.{body}")}[,v1=…]
 *
 * keyed by the UTF-8 bytes of the signing secret exactly as it was shown (`whsec_…`), over the exact body bytes.
 * While a rotated-out secret is still in its grace period the header carries one v1 per live secret, newest first,
 * so a receiver that still holds the old secret and one that already has the new one both verify.
 *
 * The HMAC itself is the platform's (node:crypto, WebCrypto): this layer runs everywhere and ships no primitive.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-whoot-signature';
export const WEBHOOK_SIGNATURE_SCHEME = 'v1';

/** A receiver should refuse a delivery whose `t` is further than this from its own clock (replay window). */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300;

/** `whsec_` and 32 random bytes in base64url: what an admin copies into the receiver's configuration. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9_-]{43}$/;

/** Lowercase hex HMAC-SHA256 of `message` (UTF-8) keyed by `key` (UTF-8). */
export type HmacSha256Hex = (key: string, message: string) => string;

/** The signed message: the timestamp, a dot, the body exactly as sent. */
export function webhookSignedMessage(timestamp: number, body: string): string {
  return `${timestamp}.${body}`;
}

/** The header value for one delivery attempt, signed by every secret given (newest first). */
export function webhookSignatureHeader(input: {
  readonly body: string;
  readonly timestamp: number;
  readonly secrets: readonly string[];
  readonly hmac: HmacSha256Hex;
}): string {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) throw new RangeError('bad webhook timestamp');
  if (input.secrets.length === 0) throw new RangeError('a webhook needs at least one signing secret');
  const message = webhookSignedMessage(input.timestamp, input.body);
  const parts = input.secrets.map((secret) => `${WEBHOOK_SIGNATURE_SCHEME}=${input.hmac(secret, message)}`);
  return [`t=${input.timestamp}`, ...parts].join(',');
}

export interface ParsedWebhookSignature {
  readonly timestamp: number;
  /** Every v1 signature the header carries; unknown schemes are ignored, as a receiver of a later version would. */
  readonly signatures: readonly string[];
}

const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

/** Parses the header strictly: one `t`, at least one well-formed `v1`, nothing malformed. */
export function parseWebhookSignatureHeader(header: unknown): Result<ParsedWebhookSignature> {
  if (typeof header !== 'string' || header.length === 0 || header.length > 1024) {
    return fail('malformed_signature', 'The signature header is missing or too long.');
  }
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator <= 0) return fail('malformed_signature', 'The signature header has an item without a value.');
    const key = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^[0-9]{1,12}$/.test(value)) {
        return fail('malformed_signature', 'The signature header needs exactly one numeric t.');
      }
      timestamp = Number(value);
    } else if (key === WEBHOOK_SIGNATURE_SCHEME) {
      if (!HEX_SIGNATURE.test(value)) return fail('malformed_signature', 'A v1 signature is not 64 hex digits.');
      signatures.push(value);
    }
  }
  if (timestamp === undefined) return fail('malformed_signature', 'The signature header has no t.');
  if (signatures.length === 0) return fail('malformed_signature', 'The signature header has no v1 signature.');
  return ok({ timestamp, signatures });
}

/**
 * What a receiver does: parse, refuse a timestamp outside the tolerance, recompute with its secret and compare in
 * constant time against every v1 in the header.
 */
export function verifyWebhookSignature(input: {
  readonly header: unknown;
  readonly body: string;
  readonly secret: string;
  /** The receiver's clock, Unix seconds. */
  readonly now: number;
  readonly toleranceSeconds?: number;
  readonly hmac: HmacSha256Hex;
}): Result<{ readonly timestamp: number }> {
  const parsed = parseWebhookSignatureHeader(input.header);
  if (!parsed.ok) return parsed;
  const { timestamp, signatures } = parsed.value;
  const tolerance = input.toleranceSeconds ?? WEBHOOK_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(input.now - timestamp) > tolerance) {
    return fail('timestamp_out_of_tolerance', 'The signature is too old or from the future.');
  }
  const expected = input.hmac(input.secret, webhookSignedMessage(timestamp, input.body));
  // Every candidate is compared in full, so the time taken says nothing about which one (if any) matched.
  let matched = false;
  for (const signature of signatures) matched = constantTimeEqual(expected, signature) || matched;
  return matched ? ok({ timestamp }) : fail('bad_signature', 'No signature in the header matches this secret.');
}

/** Equal-length strings compared without an early exit. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
