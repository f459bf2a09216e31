import { createHash, X509Certificate } from 'node:crypto';

/**
 * base64url SHA-256 of a certificate's SubjectPublicKeyInfo: the pin an invite carries. Pinning the key rather than
 * the certificate lets the server renew its certificate with the same key without breaking invites.
 */
export function spkiPinOf(certificate: Buffer | string): string {
  const spki = new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64url');
}
