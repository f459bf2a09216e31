import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { z } from 'zod';

/** A data key: 32 bytes for AES-256-GCM and the id that every value encrypted with it carries. */
export interface DataKey {
  readonly id: string;
  readonly material: Uint8Array;
}

/** The keys a store can use: `current` encrypts new values; `previous` keys still decrypt older ones. */
export interface DataKeySet {
  readonly current: DataKey;
  readonly previous: readonly DataKey[];
}

export const DATA_KEY_BYTES = 32;

/** Key ids appear inside every encrypted value (`v1.<keyId>.…`), so no dots and nothing that needs escaping. */
export const dataKeyIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _');

const REDACTED = '[DataKey: redacted]';

/**
 * Wraps key bytes so an accidental console.log, JSON.stringify or template string shows the id and nothing else:
 * the bytes sit in a non-enumerable property and every printer is redirected.
 */
export function dataKey(id: string, material: Uint8Array): DataKey {
  dataKeyIdSchema.parse(id);
  if (material.length !== DATA_KEY_BYTES) throw new RangeError(`data key ${id} must be ${DATA_KEY_BYTES} bytes`);
  const key = { id };
  Object.defineProperty(key, 'material', { value: Uint8Array.from(material), enumerable: false });
  Object.defineProperty(key, 'toJSON', { value: () => ({ id, material: REDACTED }), enumerable: false });
  Object.defineProperty(key, 'toString', { value: () => `DataKey(${id})`, enumerable: false });
  Object.defineProperty(key, inspect.custom, { value: () => `DataKey(${id}) ${REDACTED}`, enumerable: false });
  return Object.freeze(key) as DataKey;
}

/** 32 random bytes; the id starts with the UTC date (so people can tell keys apart) and ends with random hex. */
export function generateDataKey(now: Date = new Date()): DataKey {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return dataKey(`${date}-${randomBytes(4).toString('hex')}`, randomBytes(DATA_KEY_BYTES));
}

export function dataKeySet(current: DataKey, previous: readonly DataKey[] = []): DataKeySet {
  const ids = [current.id, ...previous.map((key) => key.id)];
  if (new Set(ids).size !== ids.length) throw new RangeError('data key ids must be unique');
  return { current, previous: [...previous] };
}

/** The set after `key` becomes current: the old current key stays readable until every row is re-encrypted. */
export function withCurrentKey(keys: DataKeySet, key: DataKey): DataKeySet {
  const previous = [keys.current, ...keys.previous].filter((old) => old.id !== key.id);
  return dataKeySet(key, previous);
}

/** The set without the keys no stored value uses any more (after a completed rotation). */
export function withoutKeys(keys: DataKeySet, retiredIds: readonly string[]): DataKeySet {
  if (retiredIds.includes(keys.current.id)) throw new RangeError('the current data key cannot be retired');
  return dataKeySet(
    keys.current,
    keys.previous.filter((key) => !retiredIds.includes(key.id)),
  );
}

const entrySchema = z.tuple([dataKeyIdSchema, z.string().regex(/^[A-Za-z0-9+/_-]{43}=?$/, 'must be 32 bytes base64')]);

/**
 * The one text form of a key set, used by the environment variable, the key file and the keychain entry:
 * `id:base64` entries separated by commas, whitespace or newlines, the first one current; `#` starts a comment.
 * Errors name the origin and the entry's position, never its text, because the text is the key.
 */
export function parseDataKeys(text: string, origin: string): DataKeySet {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(' ')
    .split(/[\s,]+/)
    .filter((entry) => entry !== '');
  const keys = entries.map((entry, index) => {
    const parsed = entrySchema.safeParse(entry.split(':'));
    if (!parsed.success) {
      throw new DataKeyError(`${origin}: entry ${index + 1} is not "id:base64" with a 32-byte key`);
    }
    const [id, encoded] = parsed.data;
    return dataKey(id, Buffer.from(encoded.replaceAll('+', '-').replaceAll('/', '_').replace(/=$/, ''), 'base64url'));
  });
  const [current, ...previous] = keys;
  if (current === undefined) throw new DataKeyError(`${origin}: holds no data key`);
  try {
    return dataKeySet(current, previous);
  } catch {
    throw new DataKeyError(`${origin}: the same key id appears twice`);
  }
}

export function formatDataKeys(keys: DataKeySet): string {
  const lines = [keys.current, ...keys.previous].map(
    (key) => `${key.id}:${Buffer.from(key.material).toString('base64url')}`,
  );
  return `# whoot data keys: id:base64url, the first one encrypts new values, the others still decrypt old ones\n${lines.join('\n')}\n`;
}

/** A key source is missing, unreadable, too widely readable or malformed. */
export class DataKeyError extends Error {
  override readonly name = 'DataKeyError';
}
