import { randomBytes } from 'node:crypto';
import { SIGNED_HEADERS, operationSchema, resourceIdSchema } from '../../shared/signedRequest';
import { computeSignature, sha256Hex } from '../crypto/requestSignature';
import type { CredentialVault } from './credentialVault';

export interface SignInput {
  readonly operation: string;
  readonly resourceId: string;
  /** The exact bytes that will be sent; the empty string for a request without a body. */
  readonly body: Uint8Array | string;
}

export type SignedHeaders = Readonly<Record<(typeof SIGNED_HEADERS)[keyof typeof SIGNED_HEADERS], string>>;

export interface RequestSigner {
  sign(input: SignInput): SignedHeaders;
  /** The session the signatures speak for (operations on "my session" sign it as their resource id). */
  sessionId(): string;
}

export interface SignerOptions {
  readonly vault: CredentialVault;
  /** Unix seconds; injectable so tests can pin the clock. */
  readonly now?: () => number;
  /** 16 random bytes per request; injectable only for fixed test vectors. */
  readonly nonce?: () => Buffer;
}

/** Signs sensitive API calls per the contract in shared/signedRequest.ts with the vault's session secret. */
export function createRequestSigner(options: SignerOptions): RequestSigner {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? (() => randomBytes(16));
  return {
    sessionId: () => options.vault.withSecret((_secret, sessionId) => sessionId),
    sign(input) {
      const operation = operationSchema.parse(input.operation);
      const resourceId = resourceIdSchema.parse(input.resourceId);
      const nonceBytes = nonce();
      if (nonceBytes.length !== 16) throw new Error('A nonce must be 128 bits.');
      const parts = {
        operation,
        resourceId,
        timestamp: now(),
        nonce: nonceBytes.toString('hex'),
        bodySha256Hex: sha256Hex(input.body),
      };
      return options.vault.withSecret((secret, sessionId) => ({
        [SIGNED_HEADERS.session]: sessionId,
        [SIGNED_HEADERS.timestamp]: String(parts.timestamp),
        [SIGNED_HEADERS.nonce]: parts.nonce,
        [SIGNED_HEADERS.signature]: computeSignature(secret, parts),
      }));
    },
  };
}
