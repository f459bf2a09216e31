import { describe, expect, it } from 'vitest';
import { authorKey, continuesGroup, GROUP_WINDOW_MS } from './grouping';

const ADA = authorKey({ kind: 'member', userId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01' });
const BOB = authorKey({ kind: 'member', userId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02' });
const at = (iso: string) => new Date(iso).getTime();

describe('grouping consecutive messages (Discord’s rule)', () => {
  it('continues a group for the same author within seven minutes', () => {
    const first = { authorKey: ADA, createdAt: at('2026-03-02T10:00:00') };
    expect(continuesGroup(first, { authorKey: ADA, createdAt: first.createdAt + 60_000 })).toBe(true);
    expect(continuesGroup(first, { authorKey: ADA, createdAt: first.createdAt + GROUP_WINDOW_MS })).toBe(true);
  });

  it('starts a new group for another author, after seven minutes, across midnight, or at the top or a divider', () => {
    const first = { authorKey: ADA, createdAt: at('2026-03-02T10:00:00') };
    expect(continuesGroup(first, { authorKey: BOB, createdAt: first.createdAt + 1000 })).toBe(false);
    expect(continuesGroup(first, { authorKey: ADA, createdAt: first.createdAt + GROUP_WINDOW_MS + 1 })).toBe(false);
    const late = { authorKey: ADA, createdAt: at('2026-03-02T23:58:00') };
    expect(continuesGroup(late, { authorKey: ADA, createdAt: at('2026-03-03T00:01:00') })).toBe(false);
    expect(continuesGroup(null, first)).toBe(false);
  });

  it('keeps a member and an input with the same name apart, and never groups a message older than the one before', () => {
    const input = authorKey({ kind: 'input', inputId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01', name: 'Ada' });
    expect(input).not.toBe(ADA);
    const first = { authorKey: ADA, createdAt: at('2026-03-02T10:00:00') };
    expect(continuesGroup(first, { authorKey: ADA, createdAt: first.createdAt - 1000 })).toBe(false);
  });
});
