import { writeFileAtomic } from '../files/writeFileAtomic';

/**
 * The text file a user saves their recovery codes into: what they are, whose and for which server, and the codes.
 * Written readable by its owner only; it is as good as a second factor to whoever finds it.
 */
export function recoveryCodesText(input: {
  readonly email: string;
  readonly server: string;
  readonly codes: readonly string[];
  readonly savedAt: Date;
}): string {
  return [
    `whoot recovery codes for ${input.email} on ${input.server}`,
    `Saved ${input.savedAt.toISOString().slice(0, 10)}.`,
    '',
    'Each code signs you in once in place of a code from your authenticator app.',
    'Keep this file somewhere safe and private, and print or move it off this computer if you can.',
    'Turning the authenticator off and on again makes new codes and voids these.',
    '',
    ...input.codes.map((code, index) => `${String(index + 1).padStart(2, ' ')}. ${code}`),
    '',
  ].join('\n');
}

export async function writeRecoveryCodes(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text, 0o600);
}
