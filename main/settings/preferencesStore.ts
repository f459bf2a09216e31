import { z } from 'zod';
import { defaultPushToTalkPreferences, pushToTalkPreferencesSchema } from '../../shared/pushToTalk';
import { fail, ok, type Result } from '../../shared/result';
import { parseInput } from '../../shared/validation';
import { defaultVoicePreferences, voicePreferencesSchema } from '../../shared/voicePreferences';
import { serverAddressSchema } from '../../shared/identifiers';
import { readKeptJson } from '../files/readKeptJson';
import { serialQueue } from '../files/serialQueue';
import { writeFileAtomic } from '../files/writeFileAtomic';
import { errorMessage } from '../../shared/errorMessage';

/**
 * The user's preferences: a small JSON file in userData (nothing secret in it), in sections (push-to-talk, voice,
 * joined servers) that their owners change one at a time; each change rewrites the file whole, atomically. A file
 * that cannot be read as preferences is moved aside (never deleted, so nothing the user set is lost for good) and
 * the defaults apply; a change that does not validate is refused before the disk.
 */
/** Servers whose key the user accepted and then signed in to (main/session/serverTrust.ts); oldest first. */
export const MAX_JOINED_SERVERS = 64;
export const joinedServersSchema = z.array(serverAddressSchema).max(MAX_JOINED_SERVERS);

export const preferencesSchema = z.strictObject({
  pushToTalk: pushToTalkPreferencesSchema,
  voice: voicePreferencesSchema,
  joinedServers: joinedServersSchema,
});
export type Preferences = z.output<typeof preferencesSchema>;

export const defaultPreferences: Preferences = {
  pushToTalk: defaultPushToTalkPreferences,
  voice: defaultVoicePreferences,
  joinedServers: [],
};

// A section added after a file was written is missing from it, not wrong: the file still counts, with its default.
const fileSchema = z.strictObject({
  version: z.literal(1),
  pushToTalk: pushToTalkPreferencesSchema,
  voice: voicePreferencesSchema.default(defaultVoicePreferences),
  joinedServers: joinedServersSchema.default([]),
});

/** Preferences are a few hundred bytes; this bounds what a damaged or planted file can make main read. */
const MAX_FILE_BYTES = 64 * 1024;

export interface PreferencesStore {
  readonly filePath: string;
  /** The preferences in effect: the file's, or the defaults when it is missing or was set aside. */
  load(): Promise<Preferences>;
  /**
   * Replaces one section with what `change` makes of the one in effect (read, changed and written with no other
   * change in between), after validating it; an invalid section answers invalid_input and leaves the file as it was.
   */
  update<K extends keyof Preferences>(
    section: K,
    change: (current: Preferences[K]) => unknown,
  ): Promise<Result<Preferences>>;
}

export function createPreferencesStore(options: {
  readonly filePath: string;
  readonly log?: (message: string) => void;
}): PreferencesStore {
  const { filePath } = options;
  const log = options.log ?? (() => undefined);

  // One read or write at a time, so two quick changes land in the order they were made.
  const serialized = serialQueue();

  const read = (): Promise<Preferences> =>
    readKeptJson({
      filePath,
      // The file's version is the format's, not a preference.
      schema: fileSchema.transform(({ version: _version, ...preferences }) => preferences),
      maxBytes: MAX_FILE_BYTES,
      fallback: () => defaultPreferences,
      what: 'preferences',
      log,
    });

  return {
    filePath,
    load: () => serialized(read),
    update: (section, change) =>
      serialized(async () => {
        const current = await read();
        const parsed = parseInput(preferencesSchema.shape[section], change(current[section]), section);
        if (!parsed.ok) return parsed;
        const next: Preferences = { ...current, [section]: parsed.value };
        try {
          await writeFileAtomic(filePath, `${JSON.stringify({ version: 1, ...next }, null, 2)}\n`, 0o600);
        } catch (error) {
          log(`preferences: could not write ${filePath} (${errorMessage(error, 'error')})`);
          return fail('preferences_not_saved', 'Your preferences could not be saved.');
        }
        return ok(next);
      }),
  };
}
