import { open, rename } from 'node:fs/promises';
import type { z } from 'zod';
import { errorMessage } from '../../shared/errorMessage';

/**
 * Reads a JSON file main keeps in userData (preferences, the outbox) and checks it against its schema. A file that is
 * missing or cannot be read gives the fallback; one that is too large, not JSON or not in the expected format is
 * moved aside (kept for the curious, never read again) and gives the fallback too, so a damaged or planted file
 * never stops the app and is never half-trusted.
 */
export async function readKeptJson<T>(options: {
  readonly filePath: string;
  readonly schema: z.ZodType<T>;
  /** Bounds what a damaged or planted file can make main read. */
  readonly maxBytes: number;
  readonly fallback: () => T;
  /** Names the file in the log ("preferences", "outbox"). */
  readonly what: string;
  readonly log: (line: string) => void;
}): Promise<T> {
  const { filePath, what, log } = options;

  async function setAside(why: string): Promise<T> {
    const aside = `${filePath}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(filePath, aside);
      log(`${what}: ${filePath} was ${why}; moved it aside to ${aside}`);
    } catch {
      log(`${what}: ${filePath} was ${why} and could not be moved aside`);
    }
    return options.fallback();
  }

  let text: string;
  try {
    const handle = await open(filePath, 'r');
    try {
      if ((await handle.stat()).size > options.maxBytes) return await setAside(`larger than ${options.maxBytes} bytes`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return options.fallback();
    log(`${what}: could not read ${filePath} (${errorMessage(error, 'error')})`);
    return options.fallback();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return setAside('not valid JSON');
  }
  const parsed = options.schema.safeParse(json);
  return parsed.success ? parsed.data : setAside('not in the expected format');
}
