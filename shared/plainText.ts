import { z } from 'zod';

/**
 * Characters no name or one-line label may hold: controls (NUL, ESC, CR, LF, DEL, the C1 range), formatting
 * characters (bidi embeddings, overrides and isolates, zero-width spaces and joiners, soft hyphens, tags), line and
 * paragraph separators, and lone surrogates. An ESC in a workspace name writes escape sequences into the terminal
 * of an admin who lists it, a U+202E reorders what follows it on screen, and a zero-width space makes two names
 * that look the same differ. The one definition: schemas refuse these, printers escape them (terminalText.ts).
 */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'gu');

export const UNSAFE_TEXT_MESSAGE = 'must not contain control, formatting (bidi, zero-width) or line break characters';

export const hasUnsafeCharacters = (text: string): boolean => UNSAFE_CHARACTER.test(text);

/** Each unsafe character (a lone surrogate is one) replaced by what `replace` makes of it. */
export const replaceUnsafeCharacters = (text: string, replace: (character: string) => string): string =>
  text.replace(UNSAFE_CHARACTERS, replace);

/**
 * A one-line name or label for people: no unsafe character (checked before trimming, so a trailing CR or LF is
 * refused, not quietly dropped), trimmed, `min` to `max` characters.
 */
export function plainTextSchema({ min = 1, max }: { readonly min?: number; readonly max: number }) {
  return (
    z
      .string()
      .refine((text) => !hasUnsafeCharacters(text), UNSAFE_TEXT_MESSAGE)
      .trim()
      // Said the way a form shows it under the field (zod's own "Too small: expected string…" is for developers).
      .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
      .max(max, `must be at most ${max} characters`)
  );
}
