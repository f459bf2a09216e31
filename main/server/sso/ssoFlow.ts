import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AuthorizationResponseError,
  ResponseBodyError,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  fetchUserInfo,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import { SSO_LOOPBACK_PATH, ssoChallengeOf, type SsoFailure, type SsoStartQuery } from '../../../shared/sso';
import type { NewAuditEntry, SsoSettingsRecord, Store } from '../store';
import type { ProviderDirectory } from './providerDirectory';
import { ProviderUnreachable } from './providerFetch';
import { decideClaims } from './ssoClaims';

/** A browser's trip to the provider may take this long (a person types a password, maybe a second factor). */
export const SSO_ATTEMPT_TTL_MS = 10 * 60_000;
/** The app exchanges its login code within moments of the redirect; two minutes covers a slow machine. */
export const SSO_LOGIN_CODE_TTL_MS = 2 * 60_000;
/** No password matches this (it is not an argon2 hash): accounts made by single sign-on sign in through it. */
export const SSO_ONLY_PASSWORD_HASH = '!sso-only';

/** What the browser gets: a redirect (to the provider, or back to the app) or a short page of text. */
export type BrowserAnswer =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'page'; readonly status: number; readonly title: string; readonly message: string };

export interface SsoFlowDeps {
  readonly store: Store;
  readonly providers: ProviderDirectory;
  /** The redirect URI registered at providers: https://{publicHost}:{publicPort}/v1/sso/callback. */
  readonly callbackUrl: () => string;
  readonly now: () => number;
  readonly audit: (entry: NewAuditEntry) => Promise<void>;
  readonly log: (message: string) => void;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The app's loopback listener (RFC 8252 §7.3): 127.0.0.1 literally, never `localhost`, which DNS could move. */
function toApp(port: number, result: { code: string } | { error: SsoFailure }): BrowserAnswer {
  const search = new URLSearchParams(result).toString();
  return { kind: 'redirect', location: new URL(`http://127.0.0.1:${port}${SSO_LOOPBACK_PATH}?${search}`).href };
}

const notValid: BrowserAnswer = {
  kind: 'page',
  status: 400,
  title: 'This sign-in link is not valid',
  message: 'It was already used, has expired, or was not made by this server. Start again from the whoot app.',
};

/**
 * The relying party's side of single sign-on (RFC 8252, OpenID Connect Core): `start` sends the browser to the
 * provider with state, nonce and PKCE; `callback` takes the attempt (once), lets openid-client check the answer
 * (state, iss, the code at the token endpoint with the PKCE verifier, the ID token's signature, issuer, audience,
 * expiry and nonce), applies the workspace's domains and role rules, provisions the member and sends the browser
 * back to the app with a one-time login code; `exchange` turns that code and the app's verifier into a user id.
 */
export function createSsoFlow(deps: SsoFlowDeps) {
  const { store } = deps;

  async function refuse(
    workspaceId: string,
    port: number,
    reason: SsoFailure,
    details: Record<string, string> = {},
  ): Promise<BrowserAnswer> {
    await deps.audit({ type: 'sso.refused', workspaceId, details: { reason, ...details } });
    return toApp(port, { error: reason });
  }

  /** Sorts a failure into what the person is told; the log gets the class and code, never tokens or secrets. */
  function classify(error: unknown): SsoFailure {
    if (error instanceof ProviderUnreachable || (error as { cause?: unknown })?.cause instanceof ProviderUnreachable) {
      return 'provider_unreachable';
    }
    if (error instanceof AuthorizationResponseError || error instanceof ResponseBodyError) return 'provider_refused';
    return 'invalid_response';
  }
  const describe = (error: unknown) => {
    const { name, code } = error as { name?: unknown; code?: unknown };
    return `${typeof name === 'string' ? name : 'Error'}${typeof code === 'string' ? ` ${code}` : ''}`;
  };

  async function configurationFor(settings: SsoSettingsRecord) {
    try {
      return { ok: true as const, config: await deps.providers.configuration(settings) };
    } catch (error) {
      deps.log(`sso: discovery of ${settings.issuer} failed (${describe(error)})`);
      return {
        ok: false as const,
        reason: classify(error) === 'provider_unreachable' ? 'provider_unreachable' : 'invalid_response',
      } as const;
    }
  }

  return {
    async start(query: SsoStartQuery): Promise<BrowserAnswer> {
      const workspace = await store.workspaces.bySlug(query.workspace);
      const settings = workspace && (await store.sso.settings(workspace.id));
      if (workspace === undefined || settings === undefined) return toApp(query.port, { error: 'sso_not_configured' });
      const provider = await configurationFor(settings);
      if (!provider.ok) return refuse(workspace.id, query.port, provider.reason);
      const state = randomState();
      const nonce = randomNonce();
      const codeVerifier = randomPKCECodeVerifier();
      await store.sso.createAttempt({
        stateHash: sha256(state),
        workspaceId: workspace.id,
        nonce,
        codeVerifier,
        appChallenge: query.challenge,
        loopbackPort: query.port,
        expiresAt: deps.now() + SSO_ATTEMPT_TTL_MS,
      });
      const url = buildAuthorizationUrl(provider.config, {
        redirect_uri: deps.callbackUrl(),
        scope: 'openid email profile',
        state,
        nonce,
        code_challenge: await calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { kind: 'redirect', location: url.href };
    },

    async callback(query: URLSearchParams): Promise<BrowserAnswer> {
      const states = query.getAll('state');
      const state = states.length === 1 ? (states[0] ?? '') : '';
      if (state.length === 0 || state.length > 512) return notValid;
      // Taken before anything else: whatever happens next, this state and the code that came with it are spent.
      const attempt = await store.sso.takeAttempt(sha256(state));
      if (attempt === undefined) return notValid;
      const { workspaceId, loopbackPort: port } = attempt;
      const settings = await store.sso.settings(workspaceId);
      if (settings === undefined) return toApp(port, { error: 'sso_not_configured' });
      const provider = await configurationFor(settings);
      if (!provider.ok) return refuse(workspaceId, port, provider.reason);

      const current = new URL(deps.callbackUrl());
      current.search = query.toString();
      let claims: Record<string, unknown>;
      let issuer: string;
      try {
        const tokens = await authorizationCodeGrant(provider.config, current, {
          pkceCodeVerifier: attempt.codeVerifier,
          expectedState: state,
          expectedNonce: attempt.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims();
        if (idToken === undefined) throw new TypeError('no ID token');
        claims = { ...idToken };
        issuer = idToken.iss;
        if (claims.email === undefined && tokens.access_token) {
          // Providers that keep profile claims out of the ID token serve them at userinfo, for the same subject.
          const info = await fetchUserInfo(provider.config, tokens.access_token, idToken.sub);
          claims = { ...info, ...idToken };
        }
      } catch (error) {
        const reason = classify(error);
        deps.log(`sso: sign-in to workspace ${workspaceId} refused (${reason}: ${describe(error)})`);
        return refuse(workspaceId, port, reason);
      }

      const decision = decideClaims(claims, settings);
      if (!decision.ok) return refuse(workspaceId, port, decision.reason);
      const provisioned = await store.sso.provision({
        workspaceId,
        issuer,
        subject: String(claims.sub),
        email: decision.email,
        displayName: decision.displayName,
        role: decision.role,
        passwordHash: SSO_ONLY_PASSWORD_HASH,
      });
      if (!provisioned.ok) {
        return refuse(
          workspaceId,
          port,
          provisioned.reason === 'account_exists' ? 'account_exists' : 'sso_not_configured',
        );
      }
      const { user } = provisioned;
      if (provisioned.accountCreated) {
        await deps.audit({
          type: 'account.created',
          actorUserId: user.id,
          details: { serverOwner: false, via: 'sso' },
        });
      }
      if (provisioned.joined) {
        await deps.audit({
          type: 'sso.joined',
          actorUserId: user.id,
          workspaceId,
          details: { role: provisioned.role },
        });
      }
      const code = randomBytes(32).toString('base64url');
      await store.sso.createLoginCode({
        codeHash: sha256(code),
        userId: user.id,
        workspaceId,
        appChallenge: attempt.appChallenge,
        expiresAt: deps.now() + SSO_LOGIN_CODE_TTL_MS,
      });
      return toApp(port, { code });
    },

    /**
     * The user a login code stands for, if the code is live and the verifier is the one whose S256 the start URL
     * carried. The code is spent by the first presentation, right or wrong, so a stolen one cannot be tried twice.
     */
    async exchange(code: string, verifier: string): Promise<{ userId: string; workspaceId: string } | undefined> {
      const taken = await store.sso.takeLoginCode(sha256(code));
      if (taken === undefined) return undefined;
      const expected = Buffer.from(taken.appChallenge, 'ascii');
      const presented = Buffer.from(await ssoChallengeOf(verifier), 'ascii');
      if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
        await deps.audit({
          type: 'sso.refused',
          actorUserId: taken.userId,
          workspaceId: taken.workspaceId,
          details: { reason: 'verifier_mismatch' },
        });
        return undefined;
      }
      return { userId: taken.userId, workspaceId: taken.workspaceId };
    },
  };
}

export type SsoFlow = ReturnType<typeof createSsoFlow>;
