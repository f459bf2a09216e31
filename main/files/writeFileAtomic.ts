import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from './syncDirectory';

/**
 * Writes a fresh sibling file created with its final mode (never a moment of wider access: 'wx' refuses to follow
 * or reuse an existing path), flushes it, renames it over the target and syncs the folder, so a crash mid-write
 * leaves the old file or the new one, never half of each. The one implementation behind every secret file whoot
 * writes: token store, data keys, TLS key and certificate.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      // The umask can only remove bits, but an unusual one could leave the owner unable to read the file back.
      await handle.chmod(mode);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}
