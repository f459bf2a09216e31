import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { UpdateFeed } from '../../shared/updates';

type FeedFile = UpdateFeed['files'][number];

/**
 * Whether a downloaded installer is the one the signed feed lists: its SHA-512 and size, read from disk. Run on
 * whatever downloaded it (this app's own download, or electron-updater's) right before anything installs it.
 */
export async function installerMatches(path: string, expected: FeedFile): Promise<boolean> {
  const hash = createHash('sha512');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > expected.size) return false;
    }
  } catch {
    return false;
  }
  return size === expected.size && hash.digest('base64') === expected.sha512;
}

/** The feed entry for the file electron-updater installs on this platform: the first, as electron-builder lists it. */
export function primaryInstaller(feed: UpdateFeed): FeedFile {
  return feed.files.find((file) => file.url === feed.path) ?? (feed.files[0] as FeedFile);
}

/** `<digest>/<name>` of a feed entry, as the server's installer route takes them. */
export function installerAddress(file: FeedFile): { digest: string; name: string } | null {
  const match = /^([A-Za-z0-9_-]{86})\/([^/]+)$/.exec(file.url);
  return match === null ? null : { digest: match[1] as string, name: match[2] as string };
}
