import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
// tsyringe (behind @peculiar/x509) needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { writeFileAtomic } from '../../files/writeFileAtomic';
import * as x509 from '@peculiar/x509';
import { hostSchema } from '../../../shared/identifiers';
import { spkiPinOf } from '../../crypto/spkiPin';

// Node's webcrypto is the WebCrypto x509 expects; the cast bridges Node's and the DOM's typings of the same API.
x509.cryptoProvider.set(webcrypto as unknown as typeof globalThis.crypto);

export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
  /** What invites carry (ARCHITECTURE.md: pin the key, not the certificate). */
  readonly spkiPin: string;
  readonly notAfter: Date;
  /** 'created': new key and certificate (a new pin); 'renewed': new certificate, same key and pin. */
  readonly origin: 'configured' | 'created' | 'renewed' | 'reused';
}

export interface CertificateOptions {
  /** The server's data directory; the generated key and certificate live in its tls/ folder. */
  readonly dataDir: string;
  /** An administrator's own certificate and key (PEM files), used as they are and never renewed here. */
  readonly configured?: { readonly certFile: string; readonly keyFile: string };
  /** Names and addresses clients reach the server by; localhost, 127.0.0.1 and ::1 are always included. */
  readonly hostnames: readonly string[];
  readonly now?: Date;
}

export const VALIDITY_DAYS = 397;
export const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;
const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The server's TLS identity. The key is the identity: it is created once and kept (mode 0600), and a certificate
 * that is missing, expiring within 30 days, issued for another key or for fewer host names is simply issued again
 * for the same key, so the SPKI pin that invites carry survives every renewal. A key that cannot be read or is
 * readable by others stops the start-up instead of being replaced, because a new key silently breaks every invite.
 */
export async function loadOrCreateCertificate(options: CertificateOptions): Promise<ServerCertificate> {
  const now = options.now ?? new Date();
  if (options.configured) return loadConfigured(options.configured, now);
  const names = hostNames(options.hostnames);
  const dir = join(options.dataDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'server-key.pem');
  const certFile = join(dir, 'server-cert.pem');

  let key = await readPrivateFile(keyFile);
  let origin: ServerCertificate['origin'] = 'reused';
  if (key === null) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    key = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFileAtomic(keyFile, key, 0o600);
    origin = 'created';
  }
  let cert = origin === 'created' ? null : await readFileIfPresent(certFile);
  if (cert === null || reissueReason(cert, key, names, now) !== null) {
    cert = await issueCertificate(key, names, now);
    await writeFileAtomic(certFile, cert, 0o644);
    if (origin === 'reused') origin = 'renewed';
  }
  return { cert, key, spkiPin: spkiPinOf(cert), notAfter: new Date(new X509Certificate(cert).validTo), origin };
}

async function loadConfigured(files: { certFile: string; keyFile: string }, now: Date): Promise<ServerCertificate> {
  const key = await readPrivateFile(files.keyFile);
  if (key === null) throw new Error(`The configured TLS key ${files.keyFile} does not exist.`);
  const cert = await readFileIfPresent(files.certFile);
  if (cert === null) throw new Error(`The configured TLS certificate ${files.certFile} does not exist.`);
  const parsed = new X509Certificate(cert);
  if (!parsed.checkPrivateKey(createPrivateKey(key))) {
    throw new Error(`The configured TLS key ${files.keyFile} does not belong to ${files.certFile}.`);
  }
  const notAfter = new Date(parsed.validTo);
  if (notAfter <= now) throw new Error(`The configured TLS certificate ${files.certFile} has expired.`);
  return { cert, key, spkiPin: spkiPinOf(cert), notAfter, origin: 'configured' };
}

function hostNames(requested: readonly string[]): string[] {
  const names = new Set(LOCAL_NAMES);
  for (const name of requested) {
    const parsed = hostSchema.safeParse(name);
    if (!parsed.success) throw new Error(`"${name}" is not a host name or IP address for the TLS certificate.`);
    names.add(canonicalHost(parsed.data));
  }
  return [...names];
}

/** One spelling per address, so '::1' and '0:0:0:0:0:0:0:1' compare equal when checking an existing certificate. */
function canonicalHost(host: string): string {
  return host.includes(':') ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : host.toLowerCase();
}

const isIpAddress = (host: string) => host.includes(':') || /^[0-9.]+$/.test(host);

/** Why an existing certificate must be issued again, or null when it can stay. */
export function reissueReason(cert: string, key: string, names: readonly string[], now: Date): string | null {
  let parsed: x509.X509Certificate;
  try {
    parsed = new x509.X509Certificate(cert);
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) return 'issued for another key';
  } catch {
    return 'unreadable';
  }
  if (parsed.notBefore.getTime() > now.getTime()) return 'not yet valid';
  if (parsed.notAfter.getTime() - now.getTime() < RENEW_WITHIN_DAYS * DAY_MS) return 'expiring';
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const covered = new Set(san?.names.toJSON().map((name) => canonicalHost(name.value)) ?? []);
  if (names.some((name) => !covered.has(name))) return 'missing host names';
  return null;
}

async function issueCertificate(keyPem: string, names: readonly string[], now: Date): Promise<string> {
  const privateKey = createPrivateKey(keyPem);
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new Error('The server TLS key is not an ECDSA P-256 key.');
  }
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  // A positive 127-bit serial: random, so two certificates of this server never share one.
  const serial = randomBytes(16);
  serial.writeUInt8(serial.readUInt8(0) & 0x7f, 0);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: ['whoot server'] }],
    // An hour back so a client whose clock runs a little behind still accepts a certificate made just now.
    notBefore: new Date(now.getTime() - 3600 * 1000),
    notAfter: new Date(now.getTime() + VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name): x509.JsonGeneralName => ({ type: isIpAddress(name) ? 'ip' : 'dns', value: name })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return certificate.toString('pem');
}

/**
 * Reads a private key, refusing one that group or others can read (or that belongs to another user): a key that
 * leaked lets anyone impersonate the server to every invite holder. The check runs on the opened descriptor, so
 * the file cannot be swapped between the check and the read. Windows has no such modes; ACLs apply there.
 */
async function readPrivateFile(path: string): Promise<string | null> {
  const handle = await openIfPresent(path);
  if (handle === null) return null;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`The TLS key ${path} is not a regular file.`);
    if (process.platform !== 'win32') {
      if ((stats.mode & 0o077) !== 0) {
        throw new Error(
          `The TLS key ${path} is readable by other users (mode ${(stats.mode & 0o777).toString(8)}); ` +
            `run "chmod 600 ${path}" and start again.`,
        );
      }
      if (process.getuid !== undefined && stats.uid !== process.getuid()) {
        throw new Error(`The TLS key ${path} belongs to another user.`);
      }
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function readFileIfPresent(path: string): Promise<string | null> {
  const handle = await openIfPresent(path);
  if (handle === null) return null;
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function openIfPresent(path: string) {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
