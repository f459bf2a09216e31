import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createKeyRing, FieldCipherError, type FieldPlace } from './fieldCipher';
import { dataKey, dataKeySet, generateDataKey } from './keyMaterial';

const place: FieldPlace = { table: 'sessions', column: 'secret', rowId: 'row-1' };
const secret = Buffer.from('marker-secret-0123456789');
const keyA = generateDataKey();
const keyB = generateDataKey();

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof FieldCipherError) return error.reason;
    throw error;
  }
  return 'opened';
}

describe('field cipher', () => {
  it('seals into a self-describing v1 string with a fresh 96-bit IV each time, and opens it back', () => {
    const ring = createKeyRing(dataKeySet(keyA));
    const sealed = ring.seal(secret, place);
    expect(sealed).toMatch(new RegExp(`^v1\\.${keyA.id}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]+$`));
    expect(Buffer.from(sealed.split('.')[2]!, 'base64url')).toHaveLength(12);
    expect(ring.seal(secret, place)).not.toBe(sealed);
    expect(ring.open(sealed, place)).toEqual(secret);
  });

  it('refuses a value moved to another row, column or table', () => {
    const ring = createKeyRing(dataKeySet(keyA));
    const sealed = ring.seal(secret, place);
    expect(failure(() => ring.open(sealed, { ...place, rowId: 'row-2' }))).toBe('not_authentic');
    expect(failure(() => ring.open(sealed, { ...place, column: 'totp_seed' }))).toBe('not_authentic');
    expect(failure(() => ring.open(sealed, { ...place, table: 'users' }))).toBe('not_authentic');
  });

  it('refuses a tampered IV, ciphertext, tag or key id', () => {
    const ring = createKeyRing(dataKeySet(keyB, [keyA]));
    const sealed = ring.seal(secret, place);
    const [version, keyId, iv, body] = sealed.split('.') as [string, string, string, string];
    const flip = (text: string, at: number) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
      return bytes.toString('base64url');
    };
    expect(failure(() => ring.open([version, keyId, flip(iv, 0), body].join('.'), place))).toBe('not_authentic');
    expect(failure(() => ring.open([version, keyId, iv, flip(body, 0)].join('.'), place))).toBe('not_authentic');
    const tagByte = Buffer.from(body, 'base64url').length - 1;
    expect(failure(() => ring.open([version, keyId, iv, flip(body, tagByte)].join('.'), place))).toBe('not_authentic');
    // Relabelled as sealed by the other key the ring holds: the key id is bound in, so this fails too.
    expect(failure(() => ring.open([version, keyA.id, iv, body].join('.'), place))).toBe('not_authentic');
  });

  it('names unknown keys and malformed values without echoing them', () => {
    const ring = createKeyRing(dataKeySet(keyA));
    const sealed = createKeyRing(dataKeySet(keyB)).seal(secret, place);
    expect(failure(() => ring.open(sealed, place))).toBe('unknown_key');
    for (const junk of ['', 'plaintext', 'v2.a.b.c', `v1.${keyA.id}.!!.??`, `v1.${keyA.id}.AAAA.AAAA`]) {
      expect(failure(() => ring.open(junk, place))).toBe('malformed');
    }
    try {
      ring.open(sealed, place);
    } catch (error) {
      expect((error as Error).message).toBe(`sessions.secret of row row-1 needs data key ${keyB.id}`);
    }
  });

  it('keeps older keys readable after a new key becomes current', () => {
    const ringA = createKeyRing(dataKeySet(keyA));
    const old = ringA.seal(secret, place);
    const ringB = ringA.withCurrent(keyB);
    expect(ringB.currentKeyId).toBe(keyB.id);
    expect(ringB.open(old, place)).toEqual(secret);
    expect(ringB.seal(secret, place).startsWith(`v1.${keyB.id}.`)).toBe(true);
    expect(() => ringB.withCurrent(dataKey(keyA.id, Buffer.alloc(32, 7)))).toThrow(/is taken/);
  });

  it('never prints key material', () => {
    const key = dataKey('k1', Buffer.alloc(32, 0xab));
    const hex = 'ab'.repeat(32);
    const b64 = Buffer.alloc(32, 0xab).toString('base64');
    for (const shown of [inspect(key), JSON.stringify(key), String(key), inspect(createKeyRing(dataKeySet(key)))]) {
      expect(shown).not.toContain(hex);
      expect(shown).not.toContain(b64);
      expect(shown).not.toMatch(/171, 171/);
    }
    expect(Buffer.from(key.material)).toEqual(Buffer.alloc(32, 0xab));
  });
});
