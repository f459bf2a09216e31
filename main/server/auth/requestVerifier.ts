import {
  SIGNATURE_WINDOW_SECONDS,
  SIGNED_HEADERS,
  signedHeadersSchema,
  type SignatureRejectionReason,
} from '../../../shared/signedRequest';
import { computeSignature, sha256Hex, signaturesEqual } from '../../crypto/requestSignature';
import type { NonceStore } from './nonceStore';

export interface VerifyInput {
  /** Request headers with lowercase names, as Node's http module gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** What the server is about to do and to which resource: taken from the route, never from the client's claim. */
  readonly operation: string;
  readonly resourceId: string;
  readonly body: Uint8Array | string;
}

export type VerifyResult =
  { readonly ok: true; readonly sessionId: string } | { readonly ok: false; readonly reason: SignatureRejectionReason };

export interface VerifierOptions {
  /** The session secret for a live session, or null for an unknown, expired or revoked one. */
  readonly lookupSecret: (sessionId: string) => Promise<Uint8Array | null> | Uint8Array | null;
  readonly nonces: NonceStore;
  readonly now?: () => number;
}

/**
 * Server side of the signed-request contract. Checks run cheapest first, and the nonce is recorded only after the
 * signature verified, so an attacker without the secret cannot fill the replay cache or burn a client's nonces.
 */
export function createRequestVerifier(options: VerifierOptions) {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return async function verify(input: VerifyInput): Promise<VerifyResult> {
    const raw = Object.fromEntries(Object.values(SIGNED_HEADERS).map((name) => [name, input.headers[name]]));
    if (Object.values(raw).some((value) => value === undefined)) return reject('missing_signature');
    const headers = signedHeadersSchema.safeParse(raw);
    if (!headers.success) return reject('malformed_signature');
    const sessionId = headers.data[SIGNED_HEADERS.session];
    const timestamp = Number(headers.data[SIGNED_HEADERS.timestamp]);
    const nonce = headers.data[SIGNED_HEADERS.nonce];
    const nowSeconds = now();
    if (Math.abs(nowSeconds - timestamp) > SIGNATURE_WINDOW_SECONDS) return reject('timestamp_out_of_window');
    const secret = await options.lookupSecret(sessionId);
    if (secret === null) return reject('unknown_session');
    const expected = computeSignature(secret, {
      operation: input.operation,
      resourceId: input.resourceId,
      timestamp,
      nonce,
      bodySha256Hex: sha256Hex(input.body),
    });
    if (!signaturesEqual(expected, headers.data[SIGNED_HEADERS.signature])) return reject('bad_signature');
    if (!(await options.nonces.remember(sessionId, nonce, timestamp + SIGNATURE_WINDOW_SECONDS, nowSeconds))) {
      return reject('replayed_nonce');
    }
    return { ok: true, sessionId };
  };
}

const reject = (reason: SignatureRejectionReason): VerifyResult => ({ ok: false, reason });
