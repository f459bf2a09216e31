import { describe, expect, it } from 'vitest';
import {
  createRefreshRotation,
  type RefreshFamily,
  type RefreshFamilyRepository,
  type RefreshResult,
  type RotationStep,
} from './refreshRotation';
import { hashToken, parseRefreshToken } from './sessionTokens';

/**
 * An in-memory repository with the contract's atomic rotate. Every method yields to the event loop first, so two
 * refreshes started together interleave the way they would against a real store.
 */
function memoryRepository() {
  const families = new Map<string, RefreshFamily>();
  const used = new Map<string, string>();
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const repository: RefreshFamilyRepository = {
    async createFamily(family) {
      await tick();
      families.set(family.familyId, family);
    },
    async findFamily(familyId) {
      await tick();
      return families.get(familyId) ?? null;
    },
    async findUsedTokenHash(familyId, tokenId) {
      await tick();
      return used.get(`${familyId}.${tokenId}`) ?? null;
    },
    async rotate(familyId, expectedTokenId, next: RotationStep) {
      await tick();
      const family = families.get(familyId);
      if (family === undefined || family.revoked || family.currentTokenId !== expectedTokenId) return false;
      used.set(`${familyId}.${family.currentTokenId}`, family.currentTokenHash);
      families.set(familyId, {
        ...family,
        currentTokenId: next.tokenId,
        currentTokenHash: next.tokenHash,
        idleExpiresAt: next.idleExpiresAt,
      });
      return true;
    },
    async revokeFamily(familyId) {
      await tick();
      const family = families.get(familyId);
      if (family !== undefined) families.set(familyId, { ...family, revoked: true });
    },
  };
  return { repository, families, used };
}

const OWNER = { sessionId: 'c2Vzc2lvbi1pZC0wMTIzNDU2Nzg5YWJj', userId: '0190f0b4-7c2e-7a1b-8c3d-4e5f60718201' };
const T0 = 1_767_225_600;
const DAY = 24 * 3600;

function setup(options: { idleTtlSeconds?: number; absoluteTtlSeconds?: number } = {}) {
  const store = memoryRepository();
  let clock = T0;
  const rotation = createRefreshRotation({ repository: store.repository, now: () => clock, ...options });
  return { ...store, rotation, setClock: (t: number) => (clock = t) };
}

function token(result: RefreshResult): string {
  if (!result.ok) throw new Error(`expected a new token, got ${result.reason}`);
  return result.refreshToken;
}

describe('refresh rotation', () => {
  it('issues a family whose store holds only the token hash', async () => {
    const { rotation, families } = setup();
    const issued = await rotation.issue(OWNER);
    const parts = parseRefreshToken(issued.refreshToken)!;
    expect(parts.familyId).toBe(issued.familyId);
    const stored = families.get(issued.familyId)!;
    expect(stored).toMatchObject({ ...OWNER, currentTokenId: parts.tokenId, revoked: false });
    expect(stored.currentTokenHash).toBe(hashToken(issued.refreshToken));
    expect(JSON.stringify(stored)).not.toContain(parts.secret);
    expect(issued.idleExpiresAt).toBe(T0 + 30 * DAY);
    expect(issued.absoluteExpiresAt).toBe(T0 + 90 * DAY);
  });

  it('exchanges the current token for a new one and marks the old one used', async () => {
    const { rotation, used, setClock } = setup();
    const { refreshToken: t1, familyId } = await rotation.issue(OWNER);
    setClock(T0 + DAY);
    const result = await rotation.refresh(t1);
    expect(result).toMatchObject({ ok: true, familyId, ...OWNER, idleExpiresAt: T0 + 31 * DAY });
    const t2 = token(result);
    expect(t2).not.toBe(t1);
    expect(parseRefreshToken(t2)!.familyId).toBe(familyId);
    expect(used.get(`${familyId}.${parseRefreshToken(t1)!.tokenId}`)).toBe(hashToken(t1));
    expect(await rotation.refresh(t2)).toMatchObject({ ok: true });
  });

  it('catches the classic theft: victim refreshes first, then the thief replays the old token', async () => {
    const { rotation, families } = setup();
    const { refreshToken: t1, familyId } = await rotation.issue(OWNER);
    const stolen = t1;
    const t2 = token(await rotation.refresh(t1)); // the victim
    expect(await rotation.refresh(stolen)).toEqual({ ok: false, reason: 'reuse_detected', familyId, ...OWNER });
    expect(families.get(familyId)!.revoked).toBe(true);
    expect(await rotation.refresh(t2)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('catches it the other way round: the thief refreshes first, and the victim’s next refresh ends both', async () => {
    const { rotation } = setup();
    const { refreshToken: t1 } = await rotation.issue(OWNER);
    const thiefT2 = token(await rotation.refresh(t1));
    expect(await rotation.refresh(t1)).toMatchObject({ ok: false, reason: 'reuse_detected' });
    expect(await rotation.refresh(thiefT2)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('detects reuse of any older token in the chain, not just the previous one', async () => {
    const { rotation } = setup();
    const { refreshToken: t1 } = await rotation.issue(OWNER);
    const t2 = token(await rotation.refresh(t1));
    const t3 = token(await rotation.refresh(t2));
    token(await rotation.refresh(t3));
    expect(await rotation.refresh(t1)).toMatchObject({ ok: false, reason: 'reuse_detected' });
  });

  it('lets exactly one of two simultaneous refreshes of the same token through, then revokes the family', async () => {
    const { rotation, families } = setup();
    const { refreshToken: t1, familyId } = await rotation.issue(OWNER);
    const results = await Promise.all([rotation.refresh(t1), rotation.refresh(t1)]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason)).sort()).toEqual(['ok', 'reuse_detected']);
    expect(families.get(familyId)!.revoked).toBe(true);
  });

  it('refuses a forged secret for the current token id without revoking the family', async () => {
    const { rotation } = setup();
    const { refreshToken: t1 } = await rotation.issue(OWNER);
    const parts = parseRefreshToken(t1)!;
    const forged = `${parts.familyId}.${parts.tokenId}.${'A'.repeat(42)}A`;
    expect(await rotation.refresh(forged)).toEqual({ ok: false, reason: 'invalid_token' });
    expect(await rotation.refresh(t1)).toMatchObject({ ok: true });
  });

  it('refuses made-up token ids in a real family without revoking it (no sign-out by family id alone)', async () => {
    const { rotation } = setup();
    const { refreshToken: t1 } = await rotation.issue(OWNER);
    const t2 = token(await rotation.refresh(t1));
    const parts = parseRefreshToken(t1)!;
    const guessed = `${parts.familyId}.${'B'.repeat(21)}A.${parts.secret}`;
    const usedIdWrongSecret = `${parts.familyId}.${parts.tokenId}.${'C'.repeat(42)}A`;
    expect(await rotation.refresh(guessed)).toEqual({ ok: false, reason: 'invalid_token' });
    expect(await rotation.refresh(usedIdWrongSecret)).toEqual({ ok: false, reason: 'invalid_token' });
    expect(await rotation.refresh(t2)).toMatchObject({ ok: true });
  });

  it('refuses unknown families and malformed tokens', async () => {
    const { rotation } = setup();
    const { refreshToken } = await rotation.issue(OWNER);
    const other = setup();
    expect(await other.rotation.refresh(refreshToken)).toEqual({ ok: false, reason: 'unknown_family' });
    for (const bad of ['', 'x'.repeat(89), `${refreshToken}.`, null, 42, { refreshToken }]) {
      expect(await rotation.refresh(bad)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('expires an idle family exactly at its idle deadline', async () => {
    const { rotation, setClock } = setup({ idleTtlSeconds: 100 });
    const { refreshToken: t1 } = await rotation.issue(OWNER);
    setClock(T0 + 99);
    const t2 = token(await rotation.refresh(t1));
    setClock(T0 + 99 + 100);
    expect(await rotation.refresh(t2)).toEqual({ ok: false, reason: 'expired' });
  });

  it('ends a family at its absolute deadline however often it is refreshed', async () => {
    const { rotation, setClock } = setup({ idleTtlSeconds: 100, absoluteTtlSeconds: 250 });
    let current = (await rotation.issue(OWNER)).refreshToken;
    for (const t of [T0 + 90, T0 + 180]) {
      setClock(t);
      const result = await rotation.refresh(current);
      current = token(result);
      if (result.ok) expect(result.idleExpiresAt).toBeLessThanOrEqual(T0 + 250);
    }
    setClock(T0 + 249);
    current = token(await rotation.refresh(current));
    setClock(T0 + 250);
    expect(await rotation.refresh(current)).toEqual({ ok: false, reason: 'expired' });
  });

  it('does not revoke anything when a stale token arrives after the family expired', async () => {
    const { rotation, families, setClock } = setup({ idleTtlSeconds: 100 });
    const { refreshToken: t1, familyId } = await rotation.issue(OWNER);
    token(await rotation.refresh(t1));
    setClock(T0 + 1000);
    expect(await rotation.refresh(t1)).toEqual({ ok: false, reason: 'expired' });
    expect(families.get(familyId)!.revoked).toBe(false);
  });

  it('refuses bad owners and bad lifetimes up front', async () => {
    const { rotation, repository } = setup();
    await expect(rotation.issue({ ...OWNER, userId: 'ada' })).rejects.toThrow(TypeError);
    await expect(rotation.issue({ ...OWNER, sessionId: 'short' })).rejects.toThrow(TypeError);
    expect(() => createRefreshRotation({ repository, idleTtlSeconds: 0 })).toThrow(RangeError);
    expect(() => createRefreshRotation({ repository, absoluteTtlSeconds: 1.5 })).toThrow(RangeError);
  });
});
