import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { DataKey, DataKeySet } from './keyMaterial';

/** Where a value lives. It is bound into the ciphertext, so a value copied to another row or column will not open. */
export interface FieldPlace {
  readonly table: string;
  readonly column: string;
  readonly rowId: string;
}

/**
 * AES-256-GCM for single fields, with the keys that may open them. New values use the current key; values under
 * an older key still open, which is what lets a rotation re-encrypt rows while the server keeps running.
 */
export interface KeyRing {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  seal(plaintext: Uint8Array, place: FieldPlace): string;
  open(sealed: string, place: FieldPlace): Buffer;
  /** A ring whose current key is `key`, keeping every key this one holds. */
  withCurrent(key: DataKey): KeyRing;
  /**
   * A 256-bit key for one stored object (a file's blob), derived with HKDF-SHA256 from data key `keyId` (the current
   * one when omitted) and the object's own salt and label. Never stored: the blob names its key id and salt.
   */
  deriveKey(salt: Uint8Array, info: string, keyId?: string): { readonly keyId: string; readonly key: Buffer };
}

export type FieldCipherFailure = 'malformed' | 'unknown_key' | 'not_authentic';

export class FieldCipherError extends Error {
  override readonly name = 'FieldCipherError';

  constructor(
    readonly reason: FieldCipherFailure,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The stored form: `v1.<keyId>.<iv base64url>.<ciphertext and tag base64url>`. Self-describing, so a reader knows
 * which key to use and a rotation can find values by key id with a prefix match, without decrypting anything.
 */
export function sealedPrefix(keyId: string): string {
  return `${VERSION}.${keyId}.`;
}

export function createKeyRing(keys: DataKeySet): KeyRing {
  const byId = new Map<string, KeyObject>();
  for (const key of [keys.current, ...keys.previous]) byId.set(key.id, createSecretKey(key.material));
  return ringOver(byId, keys.current.id);
}

// KeyObjects keep the bytes out of reach of inspect and JSON; the ring itself holds them only in this closure.
function ringOver(byId: ReadonlyMap<string, KeyObject>, currentKeyId: string): KeyRing {
  const current = byId.get(currentKeyId);
  if (current === undefined) throw new RangeError(`data key ${currentKeyId} is not in the ring`);
  return Object.freeze({
    currentKeyId,
    keyIds: [...byId.keys()],
    seal(plaintext: Uint8Array, place: FieldPlace): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(currentKeyId, place));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return `${sealedPrefix(currentKeyId)}${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed: string, place: FieldPlace): Buffer {
      const parts = sealed.split('.');
      const [version, keyId, ivText, bodyText] = parts;
      const where = `${place.table}.${place.column} of row ${place.rowId}`;
      if (parts.length !== 4 || version !== VERSION || keyId === undefined || ivText === undefined) {
        throw new FieldCipherError('malformed', `${where} is not a sealed value`);
      }
      if (bodyText === undefined || !BASE64URL.test(ivText) || !BASE64URL.test(bodyText)) {
        throw new FieldCipherError('malformed', `${where} is not a sealed value`);
      }
      const key = byId.get(keyId);
      if (key === undefined) throw new FieldCipherError('unknown_key', `${where} needs data key ${keyId}`);
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
        throw new FieldCipherError('malformed', `${where} is not a sealed value`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(keyId, place));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      } catch {
        // GCM says only "unauthentic": a wrong place, a flipped bit and a wrong key all look the same, by design.
        throw new FieldCipherError('not_authentic', `${where} failed authentication (tampered or moved)`);
      }
    },
    deriveKey(salt: Uint8Array, info: string, keyId = currentKeyId) {
      const key = byId.get(keyId);
      if (key === undefined) throw new FieldCipherError('unknown_key', `a stored object needs data key ${keyId}`);
      return { keyId, key: Buffer.from(hkdfSync('sha256', key, salt, `whoot-derived-v1\0${info}`, 32)) };
    },
    withCurrent(key: DataKey): KeyRing {
      const material = createSecretKey(key.material);
      const known = byId.get(key.id);
      // Reusing an id for other bytes would make every value sealed under the old bytes unreadable.
      if (known !== undefined && !known.equals(material)) throw new RangeError(`data key id ${key.id} is taken`);
      const next = new Map(byId);
      next.set(key.id, material);
      return ringOver(next, key.id);
    },
  });
}

/**
 * Binds version, key id and place. NUL separators cannot occur in the parts (checked), so two different places
 * can never produce the same bytes.
 */
function additionalData(keyId: string, place: FieldPlace): Buffer {
  const parts = ['whoot-field', VERSION, keyId, place.table, place.column, place.rowId];
  if (parts.some((part) => part.includes('\0'))) throw new RangeError('field place must not contain NUL');
  return Buffer.from(parts.join('\0'), 'utf8');
}
