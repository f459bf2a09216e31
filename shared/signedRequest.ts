import { z } from 'zod';

/**
 * The signed-request contract (ARCHITECTURE.md, Contracts): one definition of the headers and the message format,
 * used by the client's signer and the server's verifier so the two can never drift apart.
 */
export const SIGNATURE_VERSION = 'v1';

export const SIGNED_HEADERS = {
  session: 'x-whoot-session',
  timestamp: 'x-whoot-timestamp',
  nonce: 'x-whoot-nonce',
  signature: 'x-whoot-signature',
} as const;

/** A request is accepted only while |server now - timestamp| is within this window; nonces are remembered as long. */
export const SIGNATURE_WINDOW_SECONDS = 60;

/** Operations are short dotted names such as `voice.credentials`; they name what the request does. */
export const operationSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:\.[a-z][a-zA-Z0-9]*){1,3}$/, 'must be an operation name');

/** The resource id may be empty (operations on no particular resource) but never holds a line break. */
export const resourceIdSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]*$/, 'must be a resource id');

export const signedHeadersSchema = z.object({
  [SIGNED_HEADERS.session]: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be a session id'),
  [SIGNED_HEADERS.timestamp]: z.string().regex(/^[0-9]{1,12}$/, 'must be Unix seconds'),
  [SIGNED_HEADERS.nonce]: z.string().regex(/^[0-9a-f]{32}$/, 'must be 128 random bits in lowercase hex'),
  [SIGNED_HEADERS.signature]: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex HMAC-SHA256'),
});

export interface SigningParts {
  readonly operation: string;
  readonly resourceId: string;
  readonly timestamp: number;
  readonly nonce: string;
  /** Lowercase hex SHA-256 of the exact body bytes sent (of the empty string when there is no body). */
  readonly bodySha256Hex: string;
}

/** `v1\n{operation}\n{resourceId}\n{timestamp}\n{nonce}\n{sha256(body) hex}`: the exact bytes that get signed. */
export function signingMessage(parts: SigningParts): string {
  return [
    SIGNATURE_VERSION,
    parts.operation,
    parts.resourceId,
    String(parts.timestamp),
    parts.nonce,
    parts.bodySha256Hex,
  ].join('\n');
}

/** Machine-readable reasons a verifier gives with its 401, so clients can tell a clock problem from a bad key. */
export const signatureRejectionReasons = [
  'missing_signature',
  'malformed_signature',
  'unknown_session',
  'timestamp_out_of_window',
  'bad_signature',
  'replayed_nonce',
] as const;
export type SignatureRejectionReason = (typeof signatureRejectionReasons)[number];
