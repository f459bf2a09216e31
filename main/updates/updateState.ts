import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { updateCheckSchema } from '../../shared/updates';
import { writeFileAtomic } from '../files/writeFileAtomic';

/**
 * What the updater remembers between runs, in a small JSON file in userData: this installation's random id (the
 * staged rollout's input), the newest feed serial accepted per server, channel and platform (what makes an older
 * feed a replay), and the last check for the About page. A file that does not parse starts over, except that an
 * unreadable file must not reset serials silently: it is logged.
 */
const stateSchema = z.strictObject({
  installationId: z.string().regex(/^[A-Za-z0-9_-]{22,64}$/),
  serials: z.record(z.string().max(300), z.number().int().min(0)),
  lastCheck: updateCheckSchema.nullable(),
});
export type UpdateState = z.output<typeof stateSchema>;

export interface UpdateStateStore {
  load(): Promise<UpdateState>;
  save(state: UpdateState): Promise<void>;
}

export const serialKey = (parts: { server: string; channel: string; platform: string }) =>
  `${parts.server}|${parts.channel}|${parts.platform}`;

export function createUpdateStateStore(options: {
  readonly filePath: string;
  readonly log?: (message: string) => void;
}): UpdateStateStore {
  let cached: UpdateState | null = null;
  return {
    async load() {
      if (cached !== null) return cached;
      let text: string | null = null;
      try {
        text = await readFile(options.filePath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.log?.(`updates: could not read the state file`);
      }
      const parsed = text === null ? null : stateSchema.safeParse(safeJson(text));
      if (parsed?.success === false) options.log?.('updates: the state file was not valid; starting over');
      cached = parsed?.success
        ? parsed.data
        : { installationId: randomBytes(16).toString('base64url'), serials: {}, lastCheck: null };
      return cached;
    },
    async save(state) {
      cached = state;
      await writeFileAtomic(options.filePath, `${JSON.stringify(state, null, 2)}\n`, 0o600);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
