import type { Session } from 'electron';
import type { CredentialVault } from '../session/credentialVault';
import { decideCertificate } from '../security/pinnedCertificatePolicy';

/**
 * The page's WSS to the signed-in server is checked against the invite's key pin (main/security has the rule and
 * its tests). Signed out, nothing is pinned and Chromium's own verification applies.
 */
export function pinServerCertificates(session: Session, vault: CredentialVault): void {
  session.setCertificateVerifyProc((request, callback) => {
    const identity = vault.identity();
    const pinned = identity === null ? [] : [{ host: identity.server.host, spkiPin: identity.server.spkiPin }];
    callback(decideCertificate({ hostname: request.hostname, certificatePem: request.certificate.data }, pinned));
  });
}
