import { existsSync, mkdirSync } from 'node:fs';
import { z } from 'zod';
import { workspaceSlugSchema } from '../../../shared/identifiers';
import { displayNameSchema, endpoints, workspaceNameSchema } from '../../../shared/rest/endpoints';
import { terminalSafe } from '../../../shared/terminalText';
import { passwordSchema } from '../../../shared/session';
import { parseInput } from '../../../shared/validation';
import { hashPassword } from '../auth/passwordHashing';
import type { ServerConfig } from '../config';
import { acquireDataDirLock } from '../dataDirLock';
import { loadOrCreateCertificate } from '../http/certificate';
import { createWorkspaceInvite, serverCertificateOptions } from '../inviteLinks';
import { startServer } from '../serverApp';
import { createWorkspaceWithChannels } from '../workspaceCreation';
import { channelDto } from '../api/workspaceHandlers';
import {
  chooseDataKeySource,
  loadOrCreateDataKeys,
  DATABASE_FILE,
  describeStore,
  openConfiguredStore,
  rotateDataKey,
  type Channel,
  type DataKeySource,
  type JsonValue,
  type Store,
  type User,
  type Workspace,
} from '../store';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, PROGRAM, type CliIo } from './io';
import { errorMessage } from '../../../shared/errorMessage';

export interface CommandContext {
  readonly config: ServerConfig;
  /** The config file's absolute path, for hints that show a full command. */
  readonly configFile: string;
  readonly io: CliIo;
  readonly now: () => number;
}

/** Invites: the same bounds as the REST endpoint that creates them. */
export const MAX_INVITE_USES = 1000;
export const MAX_INVITE_TTL_HOURS = 30 * 24;

function valid<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = parseInput(schema, value, what);
  if (!parsed.ok) throw new CliError(parsed.error.message, EXIT_USAGE);
  return parsed.value;
}

/** A store that must already exist: a typo in dataDir must not quietly start an empty server with a new key. */
export async function openExistingStore(context: CommandContext): Promise<{ store: Store; source: DataKeySource }> {
  const { config, io, now } = context;
  const file = describeStore(config.store, config.dataDir);
  // A PostgreSQL store refuses by itself to open an empty database (no schema, no owner URL to make one).
  if (config.store.kind === 'sqlite' && !existsSync(file)) {
    throw new CliError(
      `There is no server data in ${config.dataDir} (no ${DATABASE_FILE}). Check dataDir in the config; ` +
        'the server creates its data on first start (or run create-workspace).',
    );
  }
  const source = chooseDataKeySource({ dataDir: config.dataDir, env: io.env });
  const keys = await source.load();
  if (keys === null) {
    throw new CliError(
      `${source.description} holds no data key, so ${file} cannot be opened. The key the server made on first ` +
        'start must be restored there (or in WHOOT_DATA_KEYS).',
    );
  }
  return { store: await openConfiguredStore(config.store, { dataDir: config.dataDir, keys, now }), source };
}

/** A store that may be new (create-workspace can bootstrap a server before its first start). */
async function openOrCreateStore(context: CommandContext): Promise<Store> {
  const { config, io, now } = context;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const keys = await loadOrCreateDataKeys(chooseDataKeySource({ dataDir: config.dataDir, env: io.env }));
  return openConfiguredStore(config.store, { dataDir: config.dataDir, keys, now });
}

export async function withStore<T>(open: Store | Promise<Store>, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await open;
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

// ---- serve ---------------------------------------------------------------------------------------------------

/**
 * Runs the server until a stop signal, then drains (out of the load balancer's rotation, WSS clients sent elsewhere,
 * requests in flight finished up to `drainSeconds`) and closes connections, the listener and the store.
 */
export async function serveCommand(context: CommandContext): Promise<number> {
  const { config, io } = context;
  const lock = await acquireDataDirLock(config.dataDir, 'server');
  try {
    const server = await startServer(config, { env: io.env, log: (message) => io.err(message) });
    const port = config.publicPort ?? server.port;
    io.err(`whoot server ready: clients connect to ${config.publicHost}:${port} and pin ${server.spkiPin}`);
    const signal = await io.waitForStop();
    io.err(`${signal}: draining, then stopping`);
    await server.drain();
    await server.close();
    io.err('stopped');
    return EXIT_OK;
  } finally {
    await lock.release();
  }
}

// ---- invite --------------------------------------------------------------------------------------------------

export interface InviteArgs {
  readonly slug: string;
  readonly maxUses?: string;
  readonly ttlHours?: string;
}

/**
 * Prints an invite link on stdout (and only that, so `$(… invite team)` captures it), its terms on stderr. The pin
 * comes from the server's key in dataDir, the port from publicPort or listen.port; the HTTPS port is never bound,
 * so this runs beside a running server.
 */
export async function inviteCommand(context: CommandContext, args: InviteArgs): Promise<number> {
  const { config, io, now } = context;
  const slug = valid(workspaceSlugSchema, args.slug, 'workspace address');
  const maxUses = valid(
    z.coerce.number().int().min(1).max(MAX_INVITE_USES),
    args.maxUses ?? '1',
    '--max-uses (a whole number from 1 to 1000)',
  );
  const ttlHours = valid(
    z.coerce.number().min(1).max(MAX_INVITE_TTL_HOURS),
    args.ttlHours ?? '168',
    `--ttl-hours (1 to ${MAX_INVITE_TTL_HOURS})`,
  );
  const port = config.publicPort ?? config.listen.port;
  if (port === 0) {
    throw new CliError(
      'listen.port is 0 (any free port), so an invite cannot name the port clients should use: set publicPort.',
      EXIT_USAGE,
    );
  }
  const { store } = await openExistingStore(context);
  const created = await withStore(store, async () => {
    const certificate = await loadOrCreateCertificate(serverCertificateOptions(config));
    try {
      return await createWorkspaceInvite(store, { host: config.publicHost, port, spkiPin: certificate.spkiPin }, slug, {
        maxUses,
        ttlSeconds: Math.round(ttlHours * 3600),
        now,
        via: 'cli',
      });
    } catch (error) {
      throw new CliError(errorMessage(error));
    }
  });
  const uses = created.maxUses === 1 ? 'one use' : `up to ${created.maxUses} uses`;
  io.err(
    `Invite to ${terminalSafe(created.workspace.name)} (${created.workspace.slug}): ${uses}, ` +
      `valid until ${new Date(created.expiresAt).toISOString()}. Share it privately; anyone with it can join.`,
  );
  io.out(created.link);
  return EXIT_OK;
}

// ---- create-workspace ----------------------------------------------------------------------------------------

export interface CreateWorkspaceArgs {
  readonly slug: string;
  readonly name: string;
  readonly owner: string | undefined;
  readonly displayName?: string;
  readonly passwordStdin: boolean;
}

/**
 * Creates a workspace owned by an account. The account is the one with that email; with --password-stdin it is
 * created when missing (password from standard input, never from an argument, which other users could see in ps).
 */
export async function createWorkspaceCommand(context: CommandContext, args: CreateWorkspaceArgs): Promise<number> {
  const { io } = context;
  if (args.owner === undefined) throw new CliError('create-workspace needs --owner <email>.', EXIT_USAGE);
  const slug = valid(workspaceSlugSchema, args.slug, 'workspace address');
  const name = valid(workspaceNameSchema, args.name, 'workspace name (1 to 80 characters)');
  const email = valid(z.email().max(254), args.owner, '--owner (an email address)');
  const password = args.passwordStdin
    ? valid(passwordSchema, firstLine(await io.readStdin()), 'password from standard input')
    : undefined;

  return withStore(openOrCreateStore(context), async (store) => {
    if ((await store.workspaces.bySlug(slug)) !== undefined) {
      throw new CliError(`The workspace address ${slug} is taken.`);
    }
    let owner: User | undefined = await store.users.byEmail(email);
    if (owner === undefined) {
      if (password === undefined) {
        throw new CliError(
          `No account uses ${email} on this server. Sign up in the app first and run this again, or create the ` +
            'account here with --password-stdin (reads the password from standard input, e.g. < password-file).',
        );
      }
      owner = await createAccount(store, email, args.displayName ?? email.split('@')[0] ?? email, password);
      const role = owner.serverOwner ? ' (the server owner: first account)' : '';
      io.err(`Created the account ${terminalSafe(owner.email)}${role}.`);
    } else if (password !== undefined) {
      io.err(`The account ${email} exists already; its password is unchanged.`);
    }
    const created = await createWorkspaceWithChannels(store, {
      slug,
      name,
      ownerUserId: owner.id,
      channels: context.config.defaultChannels,
      via: 'cli',
    });
    if (!created.ok) throw new CliError(`Could not create the workspace: ${created.error.message}`);
    const { workspace, channels } = created.value;
    io.out(
      `Created workspace ${workspace.slug} (${terminalSafe(workspace.name)}), owned by ${terminalSafe(owner.email)}.`,
    );
    for (const channel of channels) io.out(channelLine(channel));
    io.out(`Invite people with: ${PROGRAM} --config ${context.configFile} invite ${workspace.slug}`);
    return EXIT_OK;
  });
}

// ---- channels ------------------------------------------------------------------------------------------------

/**
 * One channel per line, tab-separated for scripts: id, kind, relay-only or direct, and the name, printed safely (so
 * it holds no tab or line break of its own).
 */
function channelLine(channel: Channel): string {
  return [channel.id, channel.kind, channel.relayOnly ? 'relay-only' : 'direct', terminalSafe(channel.name)].join('\t');
}

async function existingWorkspace(store: Store, slug: string): Promise<Workspace> {
  const workspace = await store.workspaces.bySlug(slug);
  if (workspace === undefined) throw new CliError(`No workspace with the address ${slug}.`);
  return workspace;
}

export interface CreateChannelArgs {
  readonly slug: string;
  readonly name: string;
  readonly kind?: string;
  readonly direct: boolean;
}

/**
 * Adds a channel to a workspace, validated by the same schema as the API's create-channel, and records the same
 * `channel.created` event in the workspace's event log: webhooks deliver it and apps that reconnect receive it.
 * Apps connected right now are not told at once (the CLI runs apart from the server's live fan-out); they see the
 * channel when they next load the list or reconnect.
 */
export async function createChannelCommand(context: CommandContext, args: CreateChannelArgs): Promise<number> {
  const slug = valid(workspaceSlugSchema, args.slug, 'workspace address');
  const body = valid(
    endpoints.createChannel.body,
    { name: args.name, relayOnly: !args.direct, ...(args.kind === undefined ? {} : { kind: args.kind }) },
    'channel',
  );
  const { store } = await openExistingStore(context);
  return withStore(store, async () => {
    const workspace = await existingWorkspace(store, slug);
    const scope = store.forWorkspace(workspace.id);
    const channel = await scope.channels.create(body);
    await scope.events.append('channel.created', { channel: channelDto(channel) } as unknown as JsonValue);
    context.io.out(channelLine(channel));
    return EXIT_OK;
  });
}

/** The workspace's channels, one per line (channelLine), oldest first. */
export async function listChannelsCommand(context: CommandContext, args: { readonly slug: string }): Promise<number> {
  const slug = valid(workspaceSlugSchema, args.slug, 'workspace address');
  const { store } = await openExistingStore(context);
  return withStore(store, async () => {
    const workspace = await existingWorkspace(store, slug);
    const channels = await store.forWorkspace(workspace.id).channels.list();
    if (channels.length === 0) context.io.err(`${slug} has no channels; add one with create-channel.`);
    for (const channel of channels) context.io.out(channelLine(channel));
    return EXIT_OK;
  });
}

async function createAccount(store: Store, email: string, displayName: string, password: string): Promise<User> {
  const name = valid(displayNameSchema, displayName, '--display-name');
  const hashed = await hashPassword(password);
  if (!hashed.ok) throw new CliError(hashed.error.message, EXIT_USAGE);
  const created = await store.users.create({ email, displayName: name, passwordHash: hashed.value });
  if (!created.ok) throw new CliError(`Could not create the account ${email}: ${created.error.message}`);
  await store.audit.append({
    type: 'account.created',
    actorUserId: created.value.id,
    details: { serverOwner: created.value.serverOwner, via: 'cli' },
  });
  return created.value;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

// ---- rotate-key ----------------------------------------------------------------------------------------------

/**
 * Makes a new data key current and re-seals every sealed value under it, in batches; values stay readable
 * throughout because the old keys stay in the ring until nothing uses them. Takes the data directory lock: a running
 * server holds the old ring in memory and would not be able to read what this re-seals.
 */
export async function rotateKeyCommand(context: CommandContext): Promise<number> {
  const { config, io } = context;
  const lock = await acquireDataDirLock(config.dataDir, 'rotate-key');
  try {
    const { store, source } = await openExistingStore(context);
    const result = await withStore(store, () => rotateDataKey(store, source));
    const { report } = result;
    io.out(
      `Re-encrypted ${report.reencrypted} value${report.reencrypted === 1 ? '' : 's'} under key ${report.keyId} ` +
        `(${report.batches} batch${report.batches === 1 ? '' : 'es'}).`,
    );
    for (const column of report.columns) io.out(`  ${column.table}.${column.column}: ${column.reencrypted}`);
    const writable = source.save !== undefined;
    if (result.retiredKeyIds.length === 0) {
      io.out('No old key to retire.');
    } else if (writable) {
      io.out(`Retired keys no value uses any more: ${result.retiredKeyIds.join(', ')}.`);
    } else {
      io.out(
        `No value uses these keys any more; remove them from ${source.description}: ${result.retiredKeyIds.join(', ')}.`,
      );
    }
    io.out(`Keys in ${source.description} (current first): ${result.keyIds.join(', ')}.`);
    return EXIT_OK;
  } finally {
    await lock.release();
  }
}

// ---- audit verify --------------------------------------------------------------------------------------------

const auditFailureReasons = {
  hash_mismatch: 'its contents do not match its hash',
  chain_broken: 'it does not link to the entry before it',
  sequence_gap: 'entries before it are missing or renumbered',
} as const;

/**
 * Checks the audit log's hash chain. Prints the head (seq and hash): keeping that somewhere else is what reveals a
 * log cut short later, which no chain can show by itself.
 */
export async function auditVerifyCommand(context: CommandContext): Promise<number> {
  const { io } = context;
  const { store } = await openExistingStore(context);
  const result = await withStore(store, () => store.audit.verify());
  if (!result.ok) {
    io.err(`Audit log broken at seq ${result.seq}: ${auditFailureReasons[result.reason]} (${result.reason}).`);
    return EXIT_FAILED;
  }
  io.out(`Audit log intact: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}.`);
  io.out(`Head: seq ${result.head.seq} hash ${result.head.hash}`);
  return EXIT_OK;
}
