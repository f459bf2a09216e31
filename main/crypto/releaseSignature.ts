import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { releasePublicKeySchema } from '../../shared/managedPolicy';
import { FEED_SIGNATURE_CONTEXT } from '../../shared/updates';

/**
 * The organization's release key (Ed25519, node:crypto): `release keygen` makes the pair, `release publish` signs
 * each feed with the private half on the admin's machine, and the app checks feeds against the public half from
 * the managed policy. The signature covers FEED_SIGNATURE_CONTEXT and the feed's exact bytes.
 */

const PREFIX = 'ed25519:';

export function generateReleaseKeyPair(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: formatPublicKey(publicKey),
  };
}

/** `ed25519:` and the raw 32-byte key, base64url: one line an admin can paste into a policy file. */
export function formatPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return `${PREFIX}${jwk.x}`;
}

/** The private key from its PEM, refused unless it is Ed25519. */
export function readReleasePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the release key must be an Ed25519 private key');
  return key;
}

export const publicKeyOf = (privateKey: KeyObject): string => formatPublicKey(createPublicKey(privateKey));

const signedBytes = (feed: string) => Buffer.concat([Buffer.from(FEED_SIGNATURE_CONTEXT), Buffer.from(feed, 'utf8')]);

/** The detached signature of a feed, base64url. */
export function signFeed(privateKey: KeyObject, feed: string): string {
  return sign(null, signedBytes(feed), privateKey).toString('base64url');
}

/** True only for a signature by this key over exactly this feed; a malformed key or signature is simply false. */
export function verifyFeedSignature(publicKey: string, feed: string, signature: string): boolean {
  if (!releasePublicKeySchema.safeParse(publicKey).success || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.slice(PREFIX.length) },
      format: 'jwk',
    });
    return verify(null, signedBytes(feed), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
