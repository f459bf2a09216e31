import { describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../test/support/selfSignedCertificate';
import {
  CERTIFICATE_ACCEPT,
  CERTIFICATE_REJECT,
  CERTIFICATE_USE_CHROMIUM,
  decideCertificate,
} from './pinnedCertificatePolicy';

describe('pinned certificate policy for the renderer WSS', () => {
  const server = makeSelfSignedCertificate();
  const impostor = makeSelfSignedCertificate();
  const pinned = [{ host: '127.0.0.1', spkiPin: server.spkiPin }];

  it('accepts the pinned key for the signed-in server, even though no CA signed it', () => {
    expect(decideCertificate({ hostname: '127.0.0.1', certificatePem: server.cert }, pinned)).toBe(CERTIFICATE_ACCEPT);
  });

  it('rejects another key for that host, and garbage, whatever Chromium thinks', () => {
    expect(decideCertificate({ hostname: '127.0.0.1', certificatePem: impostor.cert }, pinned)).toBe(
      CERTIFICATE_REJECT,
    );
    expect(decideCertificate({ hostname: '127.0.0.1', certificatePem: 'not a certificate' }, pinned)).toBe(
      CERTIFICATE_REJECT,
    );
  });

  it("leaves other hosts to Chromium's own verification, and signed-out means nothing is pinned", () => {
    expect(decideCertificate({ hostname: 'example.org', certificatePem: server.cert }, pinned)).toBe(
      CERTIFICATE_USE_CHROMIUM,
    );
    expect(decideCertificate({ hostname: '127.0.0.1', certificatePem: server.cert }, [])).toBe(
      CERTIFICATE_USE_CHROMIUM,
    );
  });

  it('matches IPv6 literals with or without brackets and host names without regard to case', () => {
    const v6 = [{ host: '::1', spkiPin: server.spkiPin }];
    expect(decideCertificate({ hostname: '[::1]', certificatePem: server.cert }, v6)).toBe(CERTIFICATE_ACCEPT);
    const named = [{ host: 'Voice.Example.org', spkiPin: server.spkiPin }];
    expect(decideCertificate({ hostname: 'voice.example.org', certificatePem: impostor.cert }, named)).toBe(
      CERTIFICATE_REJECT,
    );
  });
});
