import { parseArgs } from 'node:util';
import { DataDirLockedError } from '../dataDirLock';
import {
  auditVerifyCommand,
  createChannelCommand,
  createWorkspaceCommand,
  inviteCommand,
  listChannelsCommand,
  rotateKeyCommand,
  serveCommand,
  type CommandContext,
} from './commands';
import { DEFAULT_CONFIG_FILE, loadCliConfig } from './configFile';
import { doctorCommand } from './doctor';
import { releaseChangeCommand, releaseKeygenCommand, releaseListCommand, releasePublishCommand } from './release';
import { frontDoorCommand } from './frontDoor';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, PROGRAM, type CliIo } from './io';
import { errorMessage } from '../../../shared/errorMessage';

export function usage(): string {
  return `whoot server: the same server the desktop app bundles, run headless.

Usage: ${PROGRAM} [--config FILE] [command]
       npm run server -- [--config FILE] [command]

Commands:
  serve                    Run the server (the default). SIGINT (Ctrl-C) or SIGTERM stops it cleanly.
  invite <workspace>       Print an invite link to a workspace, by its address (e.g. team).
    --max-uses N           How many people may join with it: 1 to 1000 (default 1).
    --ttl-hours H          How long it is valid: 1 to 720 hours (default 168, a week).
  create-workspace <address> <name> --owner <email>
                           Create a workspace owned by the account with that email.
    --password-stdin       Create that account if it does not exist, reading its password from standard input.
    --display-name NAME    The new account's display name (default: the part of the email before @).
                           The workspace starts with the channels in defaultChannels (general and Lounge).
  create-channel <workspace> <name>
                           Add a channel, checked as the app's create-channel is.
    --kind voice|text      A voice channel (the default) or a text channel.
    --direct               Let members' apps connect directly, showing each other their IP addresses
                           (by default voice goes only through the relay).
  list-channels <workspace>
                           Print the workspace's channels: id, kind, relay-only or direct, name.
  rotate-key               Make a new data key current and re-encrypt every sealed value with it.
                           Stop the server first; old values stay readable throughout.
  audit verify             Check the audit log's hash chain and print its head; exit 1 naming the first bad entry.
  doctor                   Check the network path from this computer to a server, step by step (TLS with the
                           pinned key, WSS, STUN, TURN over UDP, TCP and TLS, relayed media), saying what to open
                           in a firewall when a step fails; exit 1 if any step failed. Needs no config file.
    --invite LINK          The server, from a whoot://join invite link; or:
    --url https://HOST:PORT --pin=PIN
    --email EMAIL --password-stdin
                           Sign in with this account (password on standard input) to check WSS and TURN too.
  release keygen --out FILE
                           Make the organization's Ed25519 release key pair: the private key goes to FILE (0600),
                           the public key ("ed25519:…") is printed for the managed policy's releasePublicKey.
  release publish --channel NAME --version X.Y.Z --key FILE [--rollout PERCENT] INSTALLER...
                           Sign each platform's update feed here with the private key (which stays with you) and
                           store feed, signature and installers on the server. --rollout: the share of installations
                           offered it (default 100).
  release list [--channel NAME]
                           Print the published releases: id, feed file, version, serial, rollout or paused.
  release rollout <id> <percent>
                           Offer a release to that share of installations (0-100).
  release pause <id>       Stop offering a release; release resume <id> offers it again.
  front-door <file>        Print the HAProxy configuration for several nodes behind one address (TCP, TLS passing
                           through, /v1/ready checks), from a JSON file: {"bind": {"host", "port"}, "nodes":
                           [{"name", "host", "port"}, ...]} and optional "check", "timeouts", "maxConnections",
                           "statsSocket". HAProxy checks it first (haproxy -c). Needs no config file.
                           docs/scale-out.md explains each line.
  help                     Show this text.

Options:
  -c, --config FILE        The server configuration (default ./${DEFAULT_CONFIG_FILE}).
  -h, --help               Show this text.

Data keys come from WHOOT_DATA_KEYS when it is set, otherwise from <dataDir>/data-keys (mode 0600).
Exit codes: 0 done; 1 the operation failed, or the audit log is broken; 2 bad usage or configuration.
docs/server.md explains the configuration, the commands and where data and keys live.`;
}

type Command =
  | { readonly name: 'serve' }
  | { readonly name: 'help' }
  | { readonly name: 'invite'; readonly slug: string }
  | { readonly name: 'create-workspace'; readonly slug: string; readonly workspaceName: string }
  | { readonly name: 'create-channel'; readonly slug: string; readonly channelName: string }
  | { readonly name: 'list-channels'; readonly slug: string }
  | { readonly name: 'rotate-key' }
  | { readonly name: 'audit-verify' }
  | { readonly name: 'doctor' }
  | { readonly name: 'release-keygen' }
  | { readonly name: 'release-publish'; readonly files: readonly string[] }
  | { readonly name: 'release-list' }
  | { readonly name: 'release-rollout'; readonly releaseId: string; readonly percent: string }
  | { readonly name: 'release-pause' | 'release-resume'; readonly releaseId: string }
  | { readonly name: 'front-door'; readonly file: string };

const options = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  'max-uses': { type: 'string' },
  'ttl-hours': { type: 'string' },
  owner: { type: 'string' },
  'display-name': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  invite: { type: 'string' },
  url: { type: 'string' },
  pin: { type: 'string' },
  email: { type: 'string' },
  kind: { type: 'string' },
  direct: { type: 'boolean' },
  out: { type: 'string' },
  channel: { type: 'string' },
  key: { type: 'string' },
  version: { type: 'string' },
  rollout: { type: 'string' },
} as const;
type OptionName = keyof typeof options;

/** Which command-specific options each command accepts; --config and --help go with all of them. */
const commandOptions: Record<Command['name'], readonly OptionName[]> = {
  serve: [],
  help: [],
  invite: ['max-uses', 'ttl-hours'],
  'create-workspace': ['owner', 'display-name', 'password-stdin'],
  'create-channel': ['kind', 'direct'],
  'list-channels': [],
  'rotate-key': [],
  'audit-verify': [],
  doctor: ['invite', 'url', 'pin', 'email', 'password-stdin'],
  'release-keygen': ['out'],
  'release-publish': ['channel', 'version', 'key', 'rollout'],
  'release-list': ['channel'],
  'release-rollout': [],
  'release-pause': [],
  'release-resume': [],
  'front-door': [],
};

function usageError(message: string): CliError {
  return new CliError(`${message}\nRun with --help for the commands.`, EXIT_USAGE);
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(errorMessage(error));
  }
}

function commandFrom(positionals: readonly string[]): Command {
  const [name, ...rest] = positionals;
  const expect = (count: number, shape: string) => {
    if (rest.length !== count) throw usageError(`Usage: ${shape}`);
  };
  switch (name) {
    case undefined:
    case 'serve':
      expect(0, 'serve');
      return { name: 'serve' };
    case 'help':
      return { name: 'help' };
    case 'invite':
      expect(1, 'invite <workspace> [--max-uses N] [--ttl-hours H]');
      return { name: 'invite', slug: rest[0] ?? '' };
    case 'create-workspace':
      expect(2, 'create-workspace <address> <name> --owner <email> (quote a name with spaces)');
      return { name: 'create-workspace', slug: rest[0] ?? '', workspaceName: rest[1] ?? '' };
    case 'create-channel':
      expect(2, 'create-channel <workspace> <name> [--kind voice|text] [--direct] (quote a name with spaces)');
      return { name: 'create-channel', slug: rest[0] ?? '', channelName: rest[1] ?? '' };
    case 'list-channels':
      expect(1, 'list-channels <workspace>');
      return { name: 'list-channels', slug: rest[0] ?? '' };
    case 'rotate-key':
      expect(0, 'rotate-key');
      return { name: 'rotate-key' };
    case 'audit':
      if (rest.length !== 1 || rest[0] !== 'verify') throw usageError('Usage: audit verify');
      return { name: 'audit-verify' };
    case 'doctor':
      expect(0, 'doctor (--invite LINK | --url https://HOST:PORT --pin=PIN) [--email EMAIL --password-stdin]');
      return { name: 'doctor' };
    case 'release':
      return releaseCommandFrom(rest);
    case 'front-door':
      expect(1, 'front-door <file>');
      return { name: 'front-door', file: rest[0] ?? '' };
    default:
      throw usageError(`Unknown command "${name}".`);
  }
}

function releaseCommandFrom(rest: readonly string[]): Command {
  const [sub, ...args] = rest;
  switch (sub) {
    case 'keygen':
      if (args.length !== 0) throw usageError('Usage: release keygen --out FILE');
      return { name: 'release-keygen' };
    case 'publish':
      return { name: 'release-publish', files: args };
    case 'list':
      if (args.length !== 0) throw usageError('Usage: release list [--channel NAME]');
      return { name: 'release-list' };
    case 'rollout':
      if (args.length !== 2) throw usageError('Usage: release rollout <id> <percent>');
      return { name: 'release-rollout', releaseId: args[0] ?? '', percent: args[1] ?? '' };
    case 'pause':
    case 'resume':
      if (args.length !== 1) throw usageError(`Usage: release ${sub} <id>`);
      return { name: sub === 'pause' ? 'release-pause' : 'release-resume', releaseId: args[0] ?? '' };
    default:
      throw usageError('Usage: release keygen | publish | list | rollout | pause | resume');
  }
}

/**
 * The CLI as a function: arguments in, exit code out, every effect through `io`. Usage is checked before the config
 * is read, and the config before anything opens the data directory.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  settings: { readonly now?: () => number } = {},
): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help === true) {
      io.out(usage());
      return EXIT_OK;
    }
    const command = commandFrom(positionals);
    if (command.name === 'help') {
      io.out(usage());
      return EXIT_OK;
    }
    const allowed = commandOptions[command.name];
    const misplaced = (Object.keys(values) as OptionName[]).filter(
      (key) => key !== 'config' && key !== 'help' && !allowed.includes(key),
    );
    if (misplaced.length > 0) {
      const label = command.name === 'audit-verify' ? 'audit verify' : command.name.replace(/^release-/, 'release ');
      throw usageError(`${misplaced.map((key) => `--${key}`).join(', ')} does not go with ${label}.`);
    }

    // The doctor runs where users sit, which has no server configuration.
    if (command.name === 'doctor') {
      return await doctorCommand(io, {
        ...(values.invite !== undefined ? { invite: values.invite } : {}),
        ...(values.url !== undefined ? { url: values.url } : {}),
        ...(values.pin !== undefined ? { pin: values.pin } : {}),
        ...(values.email !== undefined ? { email: values.email } : {}),
        passwordStdin: values['password-stdin'] === true,
      });
    }
    // The key pair is made where the admin keeps it, which has no server configuration.
    if (command.name === 'release-keygen') return releaseKeygenCommand(io, { out: values.out });
    // The front door is configured apart from any one node.
    if (command.name === 'front-door') return await frontDoorCommand(io, command.file);
    const { file, config } = loadCliConfig(values.config, io.cwd);
    const context: CommandContext = { config, configFile: file, io, now: settings.now ?? Date.now };
    switch (command.name) {
      case 'serve':
        return await serveCommand(context);
      case 'invite':
        return await inviteCommand(context, {
          slug: command.slug,
          ...(values['max-uses'] !== undefined ? { maxUses: values['max-uses'] } : {}),
          ...(values['ttl-hours'] !== undefined ? { ttlHours: values['ttl-hours'] } : {}),
        });
      case 'create-workspace':
        return await createWorkspaceCommand(context, {
          slug: command.slug,
          name: command.workspaceName,
          owner: values.owner,
          ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
          passwordStdin: values['password-stdin'] === true,
        });
      case 'create-channel':
        return await createChannelCommand(context, {
          slug: command.slug,
          name: command.channelName,
          ...(values.kind !== undefined ? { kind: values.kind } : {}),
          direct: values.direct === true,
        });
      case 'list-channels':
        return await listChannelsCommand(context, { slug: command.slug });
      case 'rotate-key':
        return await rotateKeyCommand(context);
      case 'audit-verify':
        return await auditVerifyCommand(context);
      case 'release-publish':
        return await releasePublishCommand(context, {
          channel: values.channel,
          key: values.key,
          version: values.version,
          rollout: values.rollout,
          files: command.files,
        });
      case 'release-list':
        return await releaseListCommand(context, values.channel === undefined ? {} : { channel: values.channel });
      case 'release-rollout':
        return await releaseChangeCommand(context, {
          releaseId: command.releaseId,
          change: 'rollout',
          percent: command.percent,
        });
      case 'release-pause':
      case 'release-resume':
        return await releaseChangeCommand(context, {
          releaseId: command.releaseId,
          change: command.name === 'release-pause' ? 'pause' : 'resume',
        });
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`whoot: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof DataDirLockedError) {
      io.err(`whoot: ${error.message}`);
      return EXIT_FAILED;
    }
    // Store, key and certificate errors say what is wrong and never carry key material; no stack for operators.
    io.err(`whoot: ${errorMessage(error)}`);
    return EXIT_FAILED;
  }
}
