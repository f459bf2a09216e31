import { parseDeepLink, type Invite } from '../../../shared/deepLink';
import type { Result } from '../../../shared/result';
import { signInRequestSchema, type SignInRequest } from '../../../shared/session';
import { signUpRequestSchema, type SignUpRequest } from '../../../shared/accountIpc';
import { newPasswordProblem } from '../../../shared/passwordStrength';

export interface SignInFields {
  readonly inviteLink: string;
  readonly email: string;
  readonly password: string;
  readonly totp: string;
}

export type SignInField = keyof SignInFields;
export type FieldErrors = Partial<Record<SignInField, string>>;

/** Fields in the order they appear, so focus goes to the first one that needs fixing. */
export const signInFieldOrder: readonly SignInField[] = ['inviteLink', 'email', 'password', 'totp'];

/** Zod and the deep-link parser speak in lower-case fragments ("must be 6 digits"); the form shows sentences. */
export function asSentence(message: string): string {
  const trimmed = message.trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** What the invite field points at, for the preview under it; null while the field is empty. */
export function describeInvite(link: string): Result<Invite> | null {
  const trimmed = link.trim();
  if (trimmed === '') return null;
  const parsed = parseDeepLink(trimmed);
  return parsed.ok ? { ok: true, value: parsed.value.invite } : parsed;
}

/**
 * Turns what the user typed into a sign-in request, checked against the same schema main enforces, or into one
 * message per field. Nothing is sent unless every field is valid.
 */
export function validateSignInForm(
  fields: SignInFields,
): { ok: true; request: SignInRequest } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const invite = describeInvite(fields.inviteLink);
  if (invite === null) errors.inviteLink = 'Paste the invite link you were given.';
  else if (!invite.ok) errors.inviteLink = asSentence(invite.error.message);

  // Authenticator apps show the code as "123 456"; people paste it that way.
  const totp = fields.totp.replace(/\s+/g, '');
  const request: SignInRequest = {
    server: { invite: invite?.ok ? invite.value : { host: '', port: 0, spkiPin: '', code: '' } },
    email: fields.email.trim(),
    password: fields.password,
    ...(totp === '' ? {} : { totp }),
  };

  const parsed = signInRequestSchema.safeParse(request);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (field !== 'email' && field !== 'password' && field !== 'totp') continue;
      errors[field] ??= asSentence(issue.message);
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, request };
}

export interface SignUpFields {
  readonly inviteLink: string;
  readonly displayName: string;
  readonly email: string;
  readonly password: string;
}

export type SignUpField = keyof SignUpFields;

export const signUpFieldOrder: readonly SignUpField[] = ['inviteLink', 'displayName', 'email', 'password'];

/**
 * A new account's form, checked with the schema main enforces and the password rule the server enforces (with the
 * name and email counted as guessed), so nothing goes out that either would refuse for its shape.
 */
export function validateSignUpForm(
  fields: SignUpFields,
): { ok: true; request: SignUpRequest } | { ok: false; errors: Partial<Record<SignUpField, string>> } {
  const errors: Partial<Record<SignUpField, string>> = {};
  const invite = describeInvite(fields.inviteLink);
  if (invite === null) errors.inviteLink = 'Paste the invite link you were given.';
  else if (!invite.ok) errors.inviteLink = asSentence(invite.error.message);
  const request: SignUpRequest = {
    server: { invite: invite?.ok ? invite.value : { host: '', port: 0, spkiPin: '', code: '' } },
    displayName: fields.displayName,
    email: fields.email.trim(),
    password: fields.password,
  };
  const parsed = signUpRequestSchema.safeParse(request);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (field !== 'displayName' && field !== 'email' && field !== 'password') continue;
      errors[field] ??= asSentence(issue.message);
    }
  }
  // The two a person most often leaves empty, in words that say what to do.
  if (fields.displayName.trim() === '') errors.displayName = 'Enter your name.';
  if (fields.email.trim() === '') errors.email = 'Enter your email address.';
  errors.password ??= newPasswordProblem(fields.password, [fields.displayName, fields.email]) ?? undefined;
  if (errors.password === undefined) delete errors.password;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, request: { ...request, displayName: parsed.data?.displayName ?? request.displayName } };
}
