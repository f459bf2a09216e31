import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../../test/support/selfSignedCertificate';
import { spkiPinOf } from '../../crypto/spkiPin';
import { loadOrCreateCertificate, RENEW_WITHIN_DAYS, VALIDITY_DAYS } from './certificate';

const DAY_MS = 24 * 3600 * 1000;
const start = new Date('2026-01-01T00:00:00Z');
const daysAfterStart = (days: number) => new Date(start.getTime() + days * DAY_MS);

let dataDir: string;
const keyFile = () => join(dataDir, 'tls', 'server-key.pem');
const certFile = () => join(dataDir, 'tls', 'server-cert.pem');
const load = (now: Date, hostnames: string[] = ['voice.example.com']) =>
  loadOrCreateCertificate({ dataDir, hostnames, now });

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'whoot-cert-test-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('loadOrCreateCertificate (generated)', () => {
  it('creates an ECDSA P-256 key (mode 0600) and a certificate (0644) for the server names', async () => {
    const created = await load(start, ['voice.example.com', '192.0.2.7', '2001:db8::7']);
    expect(created.origin).toBe('created');
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(statSync(certFile()).mode & 0o777).toBe(0o644);
    expect(statSync(join(dataDir, 'tls')).mode & 0o777).toBe(0o700);
    expect(readFileSync(keyFile(), 'utf8')).toBe(created.key);
    expect(readFileSync(certFile(), 'utf8')).toBe(created.cert);

    const cert = new X509Certificate(created.cert);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(created.key))).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:voice.example.com');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('IP Address:192.0.2.7');
    expect(cert.subjectAltName).toMatch(/IP Address:2001:DB8:0:0:0:0:0:7/i);
    expect(cert.ca).toBe(false);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBe(daysAfterStart(VALIDITY_DAYS).getTime());
    expect(created.notAfter.getTime()).toBe(daysAfterStart(VALIDITY_DAYS).getTime());
    expect(created.spkiPin).toBe(spkiPinOf(created.cert));
    expect(created.spkiPin).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('reuses the same key and certificate across restarts', async () => {
    const first = await load(start);
    const again = await load(daysAfterStart(100));
    expect(again.origin).toBe('reused');
    expect(again.cert).toBe(first.cert);
    expect(again.key).toBe(first.key);
    expect(again.spkiPin).toBe(first.spkiPin);
  });

  it.each([
    ['within 30 days of expiry', VALIDITY_DAYS - RENEW_WITHIN_DAYS + 1],
    ['expired', VALIDITY_DAYS + 200],
  ])('renews a certificate %s with the same key, so the pin is unchanged', async (_, days) => {
    const first = await load(start);
    const renewed = await load(daysAfterStart(days));
    expect(renewed.origin).toBe('renewed');
    expect(renewed.cert).not.toBe(first.cert);
    expect(readFileSync(keyFile(), 'utf8')).toBe(first.key);
    expect(renewed.spkiPin).toBe(first.spkiPin);
    expect(renewed.notAfter.getTime()).toBe(daysAfterStart(days + VALIDITY_DAYS).getTime());
    expect(new X509Certificate(renewed.cert).serialNumber).not.toBe(new X509Certificate(first.cert).serialNumber);
  });

  it('keeps a certificate that is 31 days from expiry', async () => {
    const first = await load(start);
    expect((await load(daysAfterStart(VALIDITY_DAYS - RENEW_WITHIN_DAYS - 1))).cert).toBe(first.cert);
  });

  it('reissues with the same key when a host name is added, or the certificate is damaged or foreign', async () => {
    const first = await load(start);
    const widened = await load(start, ['voice.example.com', 'voice2.example.com']);
    expect(widened.origin).toBe('renewed');
    expect(new X509Certificate(widened.cert).subjectAltName).toContain('DNS:voice2.example.com');
    expect(widened.spkiPin).toBe(first.spkiPin);

    writeFileSync(certFile(), 'not a certificate');
    expect((await load(start)).spkiPin).toBe(first.spkiPin);

    writeFileSync(certFile(), makeSelfSignedCertificate().cert);
    const repaired = await load(start);
    expect(repaired.origin).toBe('renewed');
    expect(repaired.spkiPin).toBe(first.spkiPin);
  });

  it.each([0o640, 0o604, 0o644])(
    'refuses a key file with mode %s (readable by others) instead of replacing it',
    async (mode) => {
      const first = await load(start);
      chmodSync(keyFile(), mode);
      await expect(load(start)).rejects.toThrow(/readable by other users.*chmod 600/);
      expect(readFileSync(keyFile(), 'utf8')).toBe(first.key);
    },
  );

  it('refuses to replace a key it cannot parse', async () => {
    await load(start);
    writeFileSync(keyFile(), 'garbage', { mode: 0o600 });
    await expect(load(daysAfterStart(VALIDITY_DAYS))).rejects.toThrow();
    expect(readFileSync(keyFile(), 'utf8')).toBe('garbage');
  });

  it('refuses a host name that is not one', async () => {
    await expect(load(start, ['evil.example.com, CN=attacker'])).rejects.toThrow(/not a host name/);
  });
});

describe('loadOrCreateCertificate (configured)', () => {
  function writeConfigured(keyMode = 0o600, key?: string) {
    const pair = makeSelfSignedCertificate();
    const files = { certFile: join(dataDir, 'admin-cert.pem'), keyFile: join(dataDir, 'admin-key.pem') };
    writeFileSync(files.certFile, pair.cert);
    writeFileSync(files.keyFile, key ?? pair.key);
    chmodSync(files.keyFile, keyMode);
    return { pair, files };
  }

  it('uses an administrator certificate as it is and pins its key', async () => {
    const { pair, files } = writeConfigured();
    const loaded = await loadOrCreateCertificate({ dataDir, hostnames: [], configured: files });
    expect(loaded).toMatchObject({ cert: pair.cert, key: pair.key, spkiPin: pair.spkiPin, origin: 'configured' });
  });

  it('refuses a group-readable configured key, a key for another certificate and an expired certificate', async () => {
    const readable = writeConfigured(0o640);
    await expect(loadOrCreateCertificate({ dataDir, hostnames: [], configured: readable.files })).rejects.toThrow(
      /readable by other users/,
    );
    const mismatched = writeConfigured(0o600, makeSelfSignedCertificate().key);
    await expect(loadOrCreateCertificate({ dataDir, hostnames: [], configured: mismatched.files })).rejects.toThrow(
      /does not belong/,
    );
    const valid = writeConfigured();
    const later = new Date(Date.now() + 10 * DAY_MS);
    await expect(
      loadOrCreateCertificate({ dataDir, hostnames: [], configured: valid.files, now: later }),
    ).rejects.toThrow(/expired/);
  });
});
