import { replaceUnsafeCharacters } from './plainText';

const hex = (value: number, digits: number) => value.toString(16).toUpperCase().padStart(digits, '0');

/** `\x1B` for the Latin-1 range, `\u{202E}` above it. */
function escapeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u{${hex(code, 4)}}`;
}

/**
 * Stored text made safe to print in a terminal: every control, formatting or line-break character (plainText.ts)
 * appears as a visible escape, so a name cannot move the cursor, recolour or clear the screen, reorder the line or
 * hide part of itself. Backslashes are doubled so an escape shown is never ambiguous. Rows stored before names were
 * checked are printed this way too. Ordinary text, any script, comes out unchanged.
 */
export function terminalSafe(text: string): string {
  return replaceUnsafeCharacters(text.replaceAll('\\', '\\\\'), escapeCharacter);
}

/** terminalSafe in double quotes (inner quotes escaped), for key="value" output that scripts read. */
export function terminalQuoted(text: string): string {
  return `"${terminalSafe(text).replaceAll('"', '\\"')}"`;
}
