import { randomBytes } from 'node:crypto';
import type { ServerAddress } from '../../shared/identifiers';
import { fail, type Result } from '../../shared/result';
import type { SessionState } from '../../shared/session';
import { SSO_FAILURES, ssoChallengeOf, ssoStartUrl } from '../../shared/sso';
import { allowedLink, decideLink, type AllowedLink } from '../security/linkPolicy';
import { ApiError, type ServerApi } from './apiClient';
import { ServerConnectionError } from './pinnedTls';
import type { SessionService } from './sessionService';
import { openSsoLoopback, type LoopbackListener } from './ssoLoopback';

/** A person signs in at their provider: long enough for a password and a second factor, not forever. */
export const SSO_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export interface SsoSignInDeps {
  readonly api: ServerApi;
  readonly sessions: Pick<SessionService, 'adopt' | 'deviceLabel'>;
  /** The system browser, reached only with a link the link policy let through (main/app: shell.openExternal). */
  readonly openBrowser: ((link: AllowedLink) => Promise<void>) | null;
  readonly openLoopback?: (options: { timeoutMs: number }) => Promise<LoopbackListener>;
  readonly timeoutMs?: number;
}

/**
 * Sign-in through the workspace's identity provider, the desktop half (RFC 8252): a fresh verifier that stays in
 * main, a one-time loopback listener, the system browser on the server's start URL (through the link policy, like
 * any link main opens; the app never shows the provider's page itself), then the login code the browser brings
 * back, exchanged with the verifier over the pinned connection for an ordinary session.
 */
export function createSsoSignIn(deps: SsoSignInDeps) {
  const openLoopback = deps.openLoopback ?? openSsoLoopback;
  let pending: LoopbackListener | null = null;

  return async function signInWithSso(server: ServerAddress, workspace: string): Promise<Result<SessionState>> {
    if (deps.openBrowser === null) return fail('unavailable', 'There is no browser to sign in with here.');
    // One sign-in at a time: a new one abandons the one still waiting for its browser.
    pending?.close();
    const verifier = randomBytes(32).toString('base64url');
    const loopback = await openLoopback({ timeoutMs: deps.timeoutMs ?? SSO_SIGN_IN_TIMEOUT_MS });
    pending = loopback;
    try {
      const url = ssoStartUrl(server, { workspace, challenge: await ssoChallengeOf(verifier), port: loopback.port });
      // Built by main from checked parts; the policy still decides (a look-alike host would need a person's word).
      const link = allowedLink(decideLink(url, url), false);
      if (link === null) return fail('link_refused', 'whoot does not open this server’s sign-in page.');
      await deps.openBrowser(link);
      let outcome;
      try {
        outcome = await loopback.result;
      } catch {
        return fail('sso_cancelled', 'The sign-in did not come back from the browser. Start again.');
      }
      if ('error' in outcome) return fail(outcome.error, SSO_FAILURES[outcome.error]);
      let response;
      try {
        const device = deps.sessions.deviceLabel;
        response = await deps.api.call(server, 'ssoExchange', {
          body: { code: outcome.code, verifier, ...(device === undefined ? {} : { device }) },
        });
      } catch (error) {
        if (error instanceof ServerConnectionError || error instanceof ApiError) return fail(error.code, error.message);
        return fail('sign_in_failed', 'Sign-in failed.');
      }
      return await deps.sessions.adopt(server, response);
    } finally {
      loopback.close();
      if (pending === loopback) pending = null;
    }
  };
}

export type SsoSignIn = ReturnType<typeof createSsoSignIn>;
