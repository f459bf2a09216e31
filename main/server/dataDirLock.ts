import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'server.lock';

export interface DataDirLock {
  readonly file: string;
  release(): Promise<void>;
}

/** Another live process holds the data directory (a running server, or a key rotation). */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    message: string,
    readonly holderPid: number,
  ) {
    super(message);
  }
}

interface LockContent {
  readonly pid: number;
  readonly purpose: string;
  readonly since: string;
}

/**
 * One process at a time may run a server on a data directory, or rotate its data key: a running server keeps its
 * key ring in memory, so a rotation under it would re-seal values with a key that server does not have, and two
 * servers on one directory would keep separate replay caches. The lock is a file holding the owner's pid, created
 * exclusively; a lock whose process is gone (a crash, a kill -9) is taken over. The short commands (invite,
 * create-workspace, audit verify) do not take it: SQLite lets them run beside the server.
 */
export async function acquireDataDirLock(dataDir: string, purpose: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCK_FILE_NAME);
  const content: LockContent = { pid: process.pid, purpose, since: new Date().toISOString() };
  const text = `${JSON.stringify(content)}\n`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
      } finally {
        await handle.close();
      }
      return {
        file,
        async release() {
          // Only our own lock is removed: after a takeover the file may name another process.
          const current = await readLock(file);
          if (current?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(file);
    if (holder !== null && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new DataDirLockedError(
        `${dataDir} is in use by process ${holder.pid} (${holder.purpose}, since ${holder.since}). ` +
          `Stop it first; if no such process is running, delete ${file}.`,
        holder.pid,
      );
    }
    if (holder !== null && holder.pid === process.pid) {
      throw new DataDirLockedError(`${dataDir} is already in use by this process (${holder.purpose}).`, holder.pid);
    }
    // Stale (its process is gone) or unreadable (a crash between create and write): take it over.
    await rm(file, { force: true });
  }
  throw new Error(`Could not lock ${dataDir}: ${file} keeps reappearing.`);
}

async function readLock(file: string): Promise<LockContent | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pid, purpose, since } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return null;
    return { pid, purpose: typeof purpose === 'string' ? purpose : 'unknown', since: String(since) };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
