/**
 * The same string with its last character changed, always to a different one. Replacing it with a fixed letter
 * fails one run in 64 when the string already ends with that letter. For canonical base64url (whose last character
 * carries only its top bits) 'A' and 'Q' differ in those top bits, so the decoded bytes change as well.
 */
export function tamperLastCharacter(text: string): string {
  return `${text.slice(0, -1)}${text.endsWith('A') ? 'Q' : 'A'}`;
}
