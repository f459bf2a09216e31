import { z } from 'zod';
import { updateChannelSchema } from './managedPolicy';

/**
 * The signed update channel (docs/admin.md, "Signed updates"): the feed an organization publishes per channel and
 * platform is electron-updater's generic-provider file (`latest.yml`, `latest-mac.yml`, `latest-linux.yml`, or
 * `<channel>…` for another channel) with two more keys electron-updater ignores, `channel` and `serial`, and the
 * organization's release key signs its exact bytes. The server stores and serves; the app verifies (main/updates).
 */

export const updatePlatformSchema = z.enum(['linux', 'mac', 'win']);
export type UpdatePlatform = z.output<typeof updatePlatformSchema>;

/** electron-updater's file name for a channel's feed on a platform (its getChannelFilename and platform suffixes). */
export function feedFileName(channel: string, platform: UpdatePlatform): string {
  return `${channel}${platform === 'win' ? '' : `-${platform}`}.yml`;
}

/** Which platform an installer is for, by electron-builder's file types (macOS updates from the zip). */
export function installerPlatform(name: string): UpdatePlatform | null {
  const lower = name.toLowerCase();
  if (/\.(appimage|deb|rpm|snap|pacman)$/.test(lower)) return 'linux';
  if (/\.(dmg|zip|pkg)$/.test(lower)) return 'mac';
  if (/\.(exe|msi)$/.test(lower)) return 'win';
  return null;
}

/** What the signature covers: this line, then the feed's bytes as served. A signature over anything else fails. */
export const FEED_SIGNATURE_CONTEXT = 'whoot-update-feed-v1\n';

/** Semantic versions as electron-builder writes them: 1.2.3 or 1.2.3-beta.4. */
export const appVersionSchema = z
  .string()
  .max(64)
  .regex(
    /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/,
    'must be a version such as 1.2.3',
  );

/** SHA-512 as electron-updater writes it in feeds: base64 of the 64 bytes. */
export const sha512Base64Schema = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 SHA-512');
/** The same digest base64url without padding: how URLs and the store name an installer. */
export const sha512UrlSchema = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url SHA-512');
export const installerNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._ -]*$/, 'must be a plain file name')
  .refine((name) => !name.includes('..'), 'must be a plain file name');

export const feedFileSchema = z.strictObject({
  /** `<base64url sha512>/<name>`, relative to the server's `/v1/updates/files/`. */
  url: z.string().max(300),
  sha512: sha512Base64Schema,
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export const updateFeedSchema = z.strictObject({
  version: appVersionSchema,
  files: z.array(feedFileSchema).min(1).max(8),
  path: z.string().max(300),
  sha512: sha512Base64Schema,
  releaseDate: z.string().max(40),
  channel: updateChannelSchema,
  /** Rises with every release of the channel and platform: an older feed offered again is a replay. */
  serial: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export type UpdateFeed = z.output<typeof updateFeedSchema>;

/** A feed's text is a few hundred bytes; this bounds what the app parses. */
export const MAX_FEED_BYTES = 16 * 1024;

/** The signed-in app's question (a signed request) and the server's answer: the feed as signed, or none. */
export const updateFeedRequestSchema = z.strictObject({
  channel: updateChannelSchema,
  platform: updatePlatformSchema,
  /** Random per installation: decides, by hash, whether a staged rollout includes it. */
  installationId: z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'must be an installation id'),
});
export const updateFeedResponseSchema = z.strictObject({
  release: z
    .strictObject({
      feed: z.string().max(MAX_FEED_BYTES),
      signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be an Ed25519 signature, base64url'),
    })
    .nullable(),
});

/**
 * Compares two versions by semver precedence: negative when a < b. Pre-releases sort before their release, and their
 * dot-separated parts compare numerically when both are numbers, else as text.
 */
export function compareVersions(a: string, b: string): number {
  const split = (version: string) => {
    const [core = '', pre] = version.split(/-(.*)/s, 2);
    return { core: core.split('.').map(Number), pre: pre === undefined ? null : pre.split('.') };
  };
  const left = split(a);
  const right = split(b);
  for (let i = 0; i < 3; i += 1) {
    const difference = (left.core[i] ?? 0) - (right.core[i] ?? 0);
    if (difference !== 0) return difference;
  }
  if (left.pre === null || right.pre === null) return left.pre === right.pre ? 0 : left.pre === null ? 1 : -1;
  for (let i = 0; i < Math.max(left.pre.length, right.pre.length); i += 1) {
    const x = left.pre[i];
    const y = right.pre[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    const difference = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * What the last update check found, for the About page:
 * - `up_to_date`: the newest release offered is the version running (or none is offered);
 * - `available`: a newer release passed every check; `downloaded`: its installer passed too, ready to install;
 * - `refused`: the feed or the download failed a check (`reason` says which; nothing is installed);
 * - `failed`: the server could not be asked (not signed in, network);
 * - `not_configured`: no release key (policy) to check feeds against, so the app does not update from the server.
 */
export const updateOutcomeSchema = z.enum([
  'up_to_date',
  'available',
  'downloaded',
  'refused',
  'failed',
  'not_configured',
]);
export const updateRefusalSchema = z.enum([
  'bad_signature',
  'malformed_feed',
  'channel_not_allowed',
  'downgrade',
  'replayed_feed',
  'platform_mismatch',
  'hash_mismatch',
  'server_key_mismatch',
]);
export type UpdateRefusal = z.output<typeof updateRefusalSchema>;

export const updateCheckSchema = z.strictObject({
  at: z.number().int().min(0),
  outcome: updateOutcomeSchema,
  reason: updateRefusalSchema.nullable(),
  /** A sentence for people: what was found, or why it was refused. */
  message: z.string().max(400),
  offeredVersion: appVersionSchema.nullable(),
});
export type UpdateCheck = z.output<typeof updateCheckSchema>;

export const updateStatusSchema = z.strictObject({
  version: z.string().max(64),
  channel: updateChannelSchema,
  /** Where the channel comes from: the organization's policy, or the default. */
  channelManaged: z.boolean(),
  lastCheck: updateCheckSchema.nullable(),
  checking: z.boolean(),
});
export type UpdateStatus = z.output<typeof updateStatusSchema>;
