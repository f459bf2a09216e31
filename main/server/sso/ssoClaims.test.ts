import { describe, expect, it } from 'vitest';
import { decideClaims } from './ssoClaims';

const policy = {
  allowedDomains: ['acme.test'],
  roleClaim: 'groups',
  roleRules: [
    { value: 'whoot-admins', role: 'admin' as const },
    { value: 'staff', role: 'member' as const },
  ],
};
const person = { sub: 's', email: 'bob@acme.test', email_verified: true, name: 'Bob' };

describe('decideClaims', () => {
  it('admits a verified address of an allowed domain, exactly (no subdomains, case-insensitive)', () => {
    expect(decideClaims(person, policy)).toEqual({
      ok: true,
      email: 'bob@acme.test',
      displayName: 'Bob',
      role: 'member',
    });
    expect(decideClaims({ ...person, email: 'Bob@ACME.test' }, policy).ok).toBe(true);
    expect(decideClaims({ ...person, email: 'bob@eu.acme.test' }, policy)).toEqual({
      ok: false,
      reason: 'domain_not_allowed',
    });
    expect(decideClaims({ ...person, email: 'bob@acme.test.evil' }, policy)).toEqual({
      ok: false,
      reason: 'domain_not_allowed',
    });
    expect(decideClaims({ ...person, email: 'bob@evil.test' }, policy)).toEqual({
      ok: false,
      reason: 'domain_not_allowed',
    });
  });

  it('needs the provider to vouch for the address (email_verified true, the boolean)', () => {
    for (const verified of [false, 'true', 1, undefined]) {
      expect(decideClaims({ ...person, email_verified: verified }, policy)).toEqual({
        ok: false,
        reason: 'email_unverified',
      });
    }
    expect(decideClaims({ ...person, email: 'not-an-address' }, policy)).toEqual({
      ok: false,
      reason: 'email_unverified',
    });
  });

  it('maps the role claim to the highest rule that matches, member otherwise, never owner', () => {
    expect(decideClaims({ ...person, groups: ['staff', 'whoot-admins'] }, policy)).toMatchObject({ role: 'admin' });
    expect(decideClaims({ ...person, groups: 'whoot-admins' }, policy)).toMatchObject({ role: 'admin' });
    expect(decideClaims({ ...person, groups: ['owner', 'owners'] }, policy)).toMatchObject({ role: 'member' });
    expect(decideClaims({ ...person, groups: [{ value: 'whoot-admins' }] }, policy)).toMatchObject({ role: 'member' });
    expect(decideClaims({ ...person, groups: ['whoot-admins'] }, { ...policy, roleClaim: null })).toMatchObject({
      role: 'member',
    });
  });

  it('takes a display name that is plain text, or falls back to the address', () => {
    expect(decideClaims({ ...person, name: 'Bob\u202Eevil' }, policy)).toMatchObject({ displayName: 'bob' });
    expect(decideClaims({ ...person, name: undefined, preferred_username: 'bobby' }, policy)).toMatchObject({
      displayName: 'bobby',
    });
  });
});
