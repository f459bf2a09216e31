import { ok, type Result } from '../../../shared/result';
import type { SessionState } from '../../../shared/session';
import type { HostedServer } from '../../host/hostedServer';
import type { ServerTrust } from '../../session/serverTrust';
import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';
import { fail } from '../../../shared/result';

/**
 * The server this app hosts: its state for the page, and its first run. Setting up makes the owner account and
 * the first workspace in the utility process (hostedServer.ts), then signs in to it like any server; it is this
 * app's own server at its own loopback address, so it counts as confirmed without a question.
 */
export function hostSetupHandlers(deps: {
  readonly host: HostedServer | null;
  readonly sessions: SessionService;
  readonly trust: ServerTrust;
}) {
  const status: IpcHandler<'host.status'> = () => ok(deps.host?.status() ?? { state: 'off' });
  const setUp: IpcHandler<'host.setUp'> = async (request): Promise<Result<SessionState>> => {
    if (deps.host === null) return fail('not_hosting', 'This app does not host a server.');
    const made = await deps.host.setUp(request);
    if (!made.ok) return made;
    deps.trust.confirm(made.value);
    const signedIn = await deps.sessions.signIn({
      server: made.value,
      email: request.email,
      password: request.password,
    });
    if (signedIn.ok) await deps.trust.rememberJoined(made.value);
    return signedIn;
  };
  return { 'host.status': status, 'host.setUp': setUp } as const;
}
