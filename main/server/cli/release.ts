import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { updateChannelSchema } from '../../../shared/managedPolicy';
import { terminalSafe } from '../../../shared/terminalText';
import {
  appVersionSchema,
  feedFileName,
  installerNameSchema,
  installerPlatform,
  type UpdateFeed,
  type UpdatePlatform,
} from '../../../shared/updates';
import { parseInput } from '../../../shared/validation';
import {
  generateReleaseKeyPair,
  publicKeyOf,
  readReleasePrivateKey,
  signFeed,
  verifyFeedSignature,
} from '../../crypto/releaseSignature';
import { formatFeed } from '../../updateFeed/feedText';
import type { Release } from '../store';
import { openExistingStore, withStore, type CommandContext } from './commands';
import { CliError, EXIT_OK, EXIT_USAGE, type CliIo } from './io';

/**
 * `release …`: the organization's signed update channel from the command line (docs/admin.md, "Signed updates").
 * keygen makes the Ed25519 release key pair; publish signs each platform's feed here, with the private key the
 * admin brings, and stores feed, signature and installers on the server (the server never holds the key); list,
 * rollout, pause and resume manage what is offered.
 */

function valid<T>(parsed: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!parsed.ok) throw new CliError(parsed.error.message, EXIT_USAGE);
  return parsed.value;
}

// ---- keygen --------------------------------------------------------------------------------------------------

/** Writes the private key (PEM, 0600, never over an existing file) and prints the public key for the policy. */
export function releaseKeygenCommand(io: CliIo, args: { readonly out: string | undefined }): number {
  if (args.out === undefined) throw new CliError('release keygen needs --out FILE for the private key.', EXIT_USAGE);
  const path = resolve(io.cwd, args.out);
  if (existsSync(path)) throw new CliError(`${path} exists; keygen never overwrites a key.`, EXIT_USAGE);
  const pair = generateReleaseKeyPair();
  writeFileSync(path, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  io.err(`Private release key written to ${path} (mode 0600). Keep it off the server, with a backup.`);
  io.err('Put this public key in the managed policy as "releasePublicKey":');
  io.out(pair.publicKey);
  return EXIT_OK;
}

// ---- publish -------------------------------------------------------------------------------------------------

interface Installer {
  readonly path: string;
  readonly name: string;
  readonly platform: UpdatePlatform;
  readonly sha512: Buffer;
  readonly size: number;
}

async function hashInstaller(io: CliIo, file: string): Promise<Installer> {
  const path = resolve(io.cwd, file);
  const name = basename(path);
  const platform = installerPlatform(name);
  if (platform === null) {
    throw new CliError(
      `${name}: not an installer whoot knows (AppImage, deb, rpm, dmg, zip, pkg, exe, msi).`,
      EXIT_USAGE,
    );
  }
  valid(parseInput(installerNameSchema, name, 'installer name'));
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile()) throw new CliError(`${path} is not a file.`, EXIT_USAGE);
  const hash = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { path, name, platform, sha512: hash.digest(), size };
}

export interface PublishArgs {
  readonly channel: string | undefined;
  readonly key: string | undefined;
  readonly version: string | undefined;
  readonly rollout: string | undefined;
  readonly files: readonly string[];
}

export async function releasePublishCommand(context: CommandContext, args: PublishArgs): Promise<number> {
  const { io, config, now } = context;
  const channel = valid(parseInput(updateChannelSchema, args.channel ?? '', '--channel'));
  const version = valid(parseInput(appVersionSchema, args.version ?? '', '--version'));
  const rollout = args.rollout === undefined ? 100 : Number(args.rollout);
  if (!Number.isInteger(rollout) || rollout < 0 || rollout > 100) {
    throw new CliError('--rollout must be a whole percentage, 0 to 100.', EXIT_USAGE);
  }
  if (args.key === undefined)
    throw new CliError('release publish needs --key FILE (the private release key).', EXIT_USAGE);
  if (args.files.length === 0) throw new CliError('release publish needs the installer files to publish.', EXIT_USAGE);
  const keyPath = resolve(io.cwd, args.key);
  // The point of the release key is that a compromised server cannot sign: it must not live in the server's data.
  if (!relative(resolve(config.dataDir), keyPath).startsWith('..')) {
    throw new CliError(`${keyPath} is inside the server's dataDir; keep the release key off the server.`, EXIT_USAGE);
  }
  let privateKey;
  try {
    privateKey = readReleasePrivateKey(readFileSync(keyPath, 'utf8'));
  } catch (error) {
    throw new CliError(`--key ${keyPath}: ${error instanceof Error ? error.message : 'cannot be read'}`, EXIT_USAGE);
  }
  const publicKey = publicKeyOf(privateKey);

  const installers: Installer[] = [];
  for (const file of args.files) installers.push(await hashInstaller(io, file));
  const byPlatform = new Map<UpdatePlatform, Installer[]>();
  for (const installer of installers) {
    const list = byPlatform.get(installer.platform) ?? [];
    if (list.some((other) => other.name === installer.name)) {
      throw new CliError(`${installer.name} is named twice.`, EXIT_USAGE);
    }
    byPlatform.set(installer.platform, [...list, installer]);
  }

  const { store } = await openExistingStore(context);
  return withStore(store, async () => {
    for (const [platform, files] of byPlatform) {
      // Milliseconds since 1970 make a serial that rises on its own; it is bumped past the newest if the clock is not.
      const serial = Math.max(now(), (await store.releases.latestSerial(channel, platform)) + 1);
      const entries = files.map((file) => ({
        url: `${file.sha512.toString('base64url')}/${file.name}`,
        sha512: file.sha512.toString('base64'),
        size: file.size,
      }));
      const first = entries[0];
      if (first === undefined) continue;
      const feed: UpdateFeed = {
        version,
        files: entries,
        path: first.url,
        sha512: first.sha512,
        releaseDate: new Date(now()).toISOString(),
        channel,
        serial,
      };
      const text = formatFeed(feed);
      const signature = signFeed(privateKey, text);
      if (!verifyFeedSignature(publicKey, text, signature)) throw new CliError('The feed signature did not verify.');
      const published = await store.releases.publish({
        channel,
        platform,
        version,
        serial,
        feed: text,
        signature,
        rolloutPercent: rollout,
        files: files.map((file) => ({
          name: file.name,
          digest: file.sha512.toString('base64url'),
          size: file.size,
          content: createReadStream(file.path),
        })),
      });
      if (!published.ok) throw new CliError(`${feedFileName(channel, platform)}: ${published.error.message}`);
      await store.audit.append({
        type: 'release.published',
        details: { releaseId: published.value.id, channel, platform, version, serial, rolloutPercent: rollout },
      });
      io.out(releaseLine(published.value));
    }
    io.err(`Signed with ${publicKey}; apps accept these feeds when their policy names this key.`);
    return EXIT_OK;
  });
}

// ---- list, rollout, pause, resume ----------------------------------------------------------------------------

export function releaseLine(release: Release): string {
  const state = release.paused ? 'paused' : `rollout ${release.rolloutPercent}%`;
  return terminalSafe(
    `${release.id}  ${feedFileName(release.channel, release.platform)}  ${release.version}  serial ${release.serial}  ${state}`,
  );
}

export async function releaseListCommand(
  context: CommandContext,
  args: { readonly channel?: string },
): Promise<number> {
  const channel =
    args.channel === undefined ? undefined : valid(parseInput(updateChannelSchema, args.channel, '--channel'));
  const { store } = await openExistingStore(context);
  return withStore(store, async () => {
    const releases = await store.releases.list(channel);
    if (releases.length === 0) context.io.err('No releases published yet.');
    for (const release of releases) context.io.out(releaseLine(release));
    return EXIT_OK;
  });
}

export async function releaseChangeCommand(
  context: CommandContext,
  args: { readonly releaseId: string; readonly change: 'rollout' | 'pause' | 'resume'; readonly percent?: string },
): Promise<number> {
  const { store } = await openExistingStore(context);
  return withStore(store, async () => {
    const release = await store.releases.get(args.releaseId);
    if (release === undefined) throw new CliError(`No release ${terminalSafe(args.releaseId)}; see release list.`);
    if (args.change === 'rollout') {
      const percent = Number(args.percent);
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
        throw new CliError('The rollout must be a whole percentage, 0 to 100.', EXIT_USAGE);
      }
      await store.releases.setRollout(release.id, percent);
    } else {
      await store.releases.setPaused(release.id, args.change === 'pause');
    }
    await store.audit.append({
      type: `release.${args.change === 'rollout' ? 'rollout_changed' : args.change === 'pause' ? 'paused' : 'resumed'}`,
      details: {
        releaseId: release.id,
        ...(args.change === 'rollout' ? { rolloutPercent: Number(args.percent) } : {}),
      },
    });
    const changed = await store.releases.get(release.id);
    if (changed !== undefined) context.io.out(releaseLine(changed));
    return EXIT_OK;
  });
}
