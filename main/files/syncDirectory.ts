import { open } from 'node:fs/promises';

/**
 * Flushes a folder's entries (a rename into it, a new name) to disk: a file's own fsync makes its bytes durable,
 * not the name that points at them. Quiet where a platform cannot open or sync a directory (Windows); the rename
 * itself is still atomic there.
 */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform lets a directory be opened or synced.
  }
}
