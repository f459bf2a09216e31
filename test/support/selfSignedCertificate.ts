import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spkiPinOf } from '../../main/crypto/spkiPin';

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
  readonly spkiPin: string;
}

/** A fresh P-256 key and self-signed certificate for 127.0.0.1 from the openssl CLI, for tests' TLS servers. */
export function makeSelfSignedCertificate(
  commonName = '127.0.0.1',
  extraDnsNames: readonly string[] = [],
): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...extraDnsNames.map((name) => `DNS:${name}`)].join(',')}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const der = Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert, spkiPin: spkiPinOf(der) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
