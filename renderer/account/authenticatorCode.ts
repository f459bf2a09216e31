import { totpCodeSchema } from '../../shared/session';

/** What every form that asks for a code from an authenticator app says when what was typed is not one. */
export const AUTHENTICATOR_CODE_PROBLEM = 'Enter the 6 digits your authenticator app shows now.';

/**
 * The code as main and the server take it (six digits), from what a person typed: apps show it as "123 456" and
 * people paste it that way. Null when it is not a code, so the form says so before anything is sent.
 */
export function authenticatorDigits(typed: string): string | null {
  const digits = typed.replace(/\s+/g, '');
  return totpCodeSchema.safeParse(digits).success ? digits : null;
}
