import { parseDeepLink } from '../../../shared/deepLink';
import { doctorSummary, formatDoctorStep } from '../../../shared/doctor';
import { serverAddressSchema, type ServerAddress } from '../../../shared/identifiers';
import { parseInput } from '../../../shared/validation';
import { ApiError, createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { ServerConnectionError } from '../../session/pinnedTls';
import { createRequestSigner } from '../../session/requestSigner';
import type { SignedCall } from '../doctor/doctorStep';
import { runDoctor } from '../doctor/runDoctor';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './io';
import { terminalSafe } from '../../../shared/terminalText';

export interface DoctorArgs {
  readonly invite?: string;
  readonly url?: string;
  readonly pin?: string;
  readonly email?: string;
  readonly passwordStdin: boolean;
  readonly timeoutMs?: number;
}

/** The server to check: from an invite link, or from --url and --pin. */
export function doctorTarget(args: DoctorArgs): ServerAddress {
  if (args.invite !== undefined) {
    if (args.url !== undefined || args.pin !== undefined) {
      throw new CliError('Give either --invite or --url with --pin, not both.', EXIT_USAGE);
    }
    const parsed = parseDeepLink(args.invite);
    if (!parsed.ok) throw new CliError(`--invite: ${parsed.error.message}`, EXIT_USAGE);
    const { host, port, spkiPin } = parsed.value.invite;
    return { host, port, spkiPin };
  }
  if (args.url === undefined || args.pin === undefined) {
    throw new CliError(
      'doctor needs the server: --invite <whoot://join link>, or --url https://host:port --pin=<pin>.',
      EXIT_USAGE,
    );
  }
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw new CliError('--url must look like https://host:port', EXIT_USAGE);
  }
  if (url.protocol !== 'https:' || url.pathname !== '/' || url.search !== '' || url.username !== '') {
    throw new CliError('--url must look like https://host:port', EXIT_USAGE);
  }
  const target = parseInput(
    serverAddressSchema,
    {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port === '' ? 443 : url.port),
      spkiPin: args.pin,
    },
    'server',
  );
  if (!target.ok) throw new CliError(target.error.message, EXIT_USAGE);
  return target.value;
}

/**
 * `doctor`: checks the network path from this computer to a whoot server, step by step, and says what to open
 * when a step fails. Without an account only TLS is checked; with --email (password on standard input) it signs in,
 * runs every step with that session and signs out again. Exit 0 when nothing failed, 1 otherwise.
 */
export async function doctorCommand(io: CliIo, args: DoctorArgs): Promise<number> {
  const server = doctorTarget(args);
  if (args.email !== undefined && !args.passwordStdin) {
    throw new CliError('--email needs --password-stdin (the password is read from standard input).', EXIT_USAGE);
  }
  const api = createServerApi({ timeoutMs: args.timeoutMs ?? 10_000 });
  const vault = new CredentialVault();
  let call: SignedCall | null = null;
  if (args.email !== undefined) {
    const password = (await io.readStdin()).replace(/\r?\n$/, '');
    try {
      const signedIn = await api.call(server, 'signIn', { body: { email: args.email, password } });
      vault.establish({
        server,
        sessionId: signedIn.session.id,
        sessionSecret: Buffer.from(signedIn.session.secret, 'base64url'),
        user: signedIn.user,
        workspaces: signedIn.workspaces,
      });
    } catch (error) {
      // A failed sign-in is itself a finding when the network is fine; TLS still runs below and says if it is not.
      const why = error instanceof ApiError || error instanceof ServerConnectionError ? error.message : 'no answer';
      io.err(`whoot: signing in failed (${terminalSafe(why)}); checking TLS only.`);
    }
    if (!vault.isEmpty()) {
      const signer = createRequestSigner({ vault });
      call = (name, input = {}) => api.call(server, name, { ...input, signer });
    }
  }
  try {
    io.out(`whoot network doctor: ${server.host}:${server.port} (pin ${server.spkiPin})`);
    const report = await runDoctor({
      server,
      call,
      ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
      onStep: (step) => {
        // Step details can quote what the server answered: printed so none of it acts on the terminal.
        for (const line of formatDoctorStep(step)) io.out(terminalSafe(line));
      },
    });
    io.out(doctorSummary(report));
    return report.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    if (call !== null) {
      await api.signOut(server, createRequestSigner({ vault })).catch(() => undefined);
    }
    vault.wipe();
  }
}
