import { describe, expect, it } from 'vitest';
import { formatInviteLink } from '../../../shared/deepLink';
import { validInvite } from '../../testing/fakeWhootApi';
import { asSentence, describeInvite, validateSignInForm, validateSignUpForm } from './signInForm';

const link = formatInviteLink(validInvite);
const valid = { inviteLink: link, email: 'ada@example.org', password: 'correct horse', totp: '' };

describe('validateSignInForm', () => {
  it('builds the request main expects from a valid form', () => {
    const result = validateSignInForm({ ...valid, inviteLink: `  ${link}\n`, email: ' ada@example.org ' });
    expect(result).toEqual({
      ok: true,
      request: { server: { invite: validInvite }, email: 'ada@example.org', password: 'correct horse' },
    });
  });

  it('accepts an authenticator code typed with a space and leaves the key out when empty', () => {
    const withCode = validateSignInForm({ ...valid, totp: '123 456' });
    expect(withCode.ok && withCode.request.totp).toBe('123456');
    const without = validateSignInForm(valid);
    expect(without.ok && 'totp' in without.request).toBe(false);
  });

  it('names every missing field', () => {
    const result = validateSignInForm({ inviteLink: '', email: '', password: '', totp: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['email', 'inviteLink', 'password']);
    expect(result.errors.inviteLink).toBe('Paste the invite link you were given.');
    expect(result.errors.password).toBe('Must be at least 8 characters.');
  });

  it('uses the shared schemas: short passwords, bad emails and bad codes are refused', () => {
    const result = validateSignInForm({ ...valid, email: 'ada', password: '1234567', totp: '12345' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      email: 'Must be an email address.',
      password: 'Must be at least 8 characters.',
      totp: 'Must be 6 digits.',
    });
  });

  it('refuses a link that is not a whoot invite', () => {
    for (const bad of ['https://example.org/join', 'whoot://join?host=x', `${link}&extra=1`]) {
      const result = validateSignInForm({ ...valid, inviteLink: bad });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.inviteLink).toMatch(/invite link/i);
    }
  });
});

describe('describeInvite', () => {
  it('says nothing about an empty field and names the server of a good link', () => {
    expect(describeInvite('   ')).toBeNull();
    expect(describeInvite(link)).toEqual({ ok: true, value: validInvite });
    expect(describeInvite('whoot://leave')?.ok).toBe(false);
  });
});

describe('asSentence', () => {
  it('capitalises and ends with a full stop once', () => {
    expect(asSentence('must be 6 digits')).toBe('Must be 6 digits.');
    expect(asSentence('Already a sentence.')).toBe('Already a sentence.');
  });
});

describe('validateSignUpForm', () => {
  const fields = {
    inviteLink: link,
    displayName: ' Ada Lovelace ',
    email: ' ada@example.org ',
    password: 'notes on the engine',
  };

  it('builds the request main expects, with the name trimmed', () => {
    expect(validateSignUpForm(fields)).toEqual({
      ok: true,
      request: {
        server: { invite: validInvite },
        displayName: 'Ada Lovelace',
        email: 'ada@example.org',
        password: 'notes on the engine',
      },
    });
  });

  it('names each field that would be refused: empty name, bidi name, bad email, weak or personal password', () => {
    const result = validateSignUpForm({
      inviteLink: '',
      displayName: 'Ada\u202e',
      email: 'nope',
      password: 'password1',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['displayName', 'email', 'inviteLink', 'password']);
    expect(result.errors.password).toBe('This is one of the most common passwords.');
    const personal = validateSignUpForm({ ...fields, password: 'adalovelace' });
    expect(personal.ok || personal.errors.password).toMatch(/name or email/);
  });
});

describe('validateSignUpForm, in words a person can act on', () => {
  it('asks for a missing name and email, and gives a too-long name its limit', () => {
    const empty = validateSignUpForm({
      inviteLink: link,
      displayName: '  ',
      email: '',
      password: 'notes on the engine',
    });
    expect(empty.ok || empty.errors).toEqual({ displayName: 'Enter your name.', email: 'Enter your email address.' });
    const long = validateSignUpForm({
      inviteLink: link,
      displayName: 'A'.repeat(65),
      email: 'ada@example.org',
      password: 'notes on the engine',
    });
    expect(long.ok || long.errors.displayName).toBe('Must be at most 64 characters.');
  });
});
