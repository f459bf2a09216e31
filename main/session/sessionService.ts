import { keychainServiceFor, type ServerAddress } from '../../shared/identifiers';
import { fail, ok, type Result } from '../../shared/result';
import { signInServer, type SessionState, type WorkspaceSummary } from '../../shared/session';
import type { ParsedRequestOf } from '../../shared/ipc';
import type { SignInBody } from '../../shared/rest/auth';
import type { ServerInfo } from '../../shared/rest/endpoints';
import type { EventSink } from '../ipc/eventSink';
import { ApiError, type ServerApi } from './apiClient';
import type { SignInResponse } from '../../shared/rest/auth';
import type { CredentialVault } from './credentialVault';
import type { KeychainStore } from './keychainStore';
import { ServerConnectionError } from './pinnedTls';
import { createRequestSigner } from './requestSigner';
import { createSignedCalls } from './signedCalls';

export interface SessionServiceOptions {
  readonly vault: CredentialVault;
  readonly keychain: KeychainStore | null;
  readonly api: ServerApi;
  readonly events: EventSink;
  /** Never receives a credential: messages are written here as constants plus error codes. */
  readonly log?: (message: string) => void;
  /** What this client calls itself at sign-in, for the account's session list ("whoot desktop on Linux"). */
  readonly deviceLabel?: string;
  /** Unix milliseconds; tests move it. */
  readonly now?: () => number;
}

/** How long main keeps a sign-in that waits for its second factor before the user must start again. */
export const SECOND_FACTOR_WAIT_MS = 5 * 60_000;

/** A sign-in whose password was right and that waits for a code: the first step, kept in main only. */
interface PendingSecondFactor {
  readonly server: ServerAddress;
  readonly body: SignInBody;
  readonly expiresAt: number;
}

/**
 * The session lifecycle in main: sign-in puts the secret in the vault and the refresh token in the OS keychain;
 * sign-out tells the renderer to drop its TURN credentials, tells the server, and wipes vault and keychain entry.
 */
export function createSessionService(options: SessionServiceOptions) {
  const { vault, keychain, api, events } = options;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const signer = createRequestSigner({ vault });
  const calls = createSignedCalls({ vault, api, signer });
  let pending: PendingSecondFactor | null = null;
  /** The session made by a sign-up in this run, until its welcome is over. */
  let newAccountSession: string | null = null;
  /** The last session ended on the server; said on the sign-in screen until the next sign-in attempt. */
  let endedOnServer = false;

  function state(): SessionState {
    const identity = vault.identity();
    if (identity === null) return endedOnServer ? { signedIn: false, sessionEnded: true } : { signedIn: false };
    return {
      signedIn: true,
      server: { host: identity.server.host, port: identity.server.port },
      user: identity.user,
      workspaces: [...identity.workspaces],
      ...(newAccountSession === identity.sessionId ? { newAccount: true } : {}),
    };
  }

  const refused = (error: unknown, what: string): Result<never> => {
    if (error instanceof ServerConnectionError || error instanceof ApiError) return fail(error.code, error.message);
    log(`session: ${what} failed unexpectedly`);
    return fail(`${what.replace(/-/g, '_')}_failed`, `${what.charAt(0).toUpperCase()}${what.slice(1)} failed.`);
  };

  async function signIn(request: ParsedRequestOf<'session.signIn'>): Promise<Result<SessionState>> {
    pending = null;
    endedOnServer = false;
    return establish(signInServer(request.server), {
      email: request.email,
      password: request.password,
      ...(request.totp === undefined ? {} : { totp: request.totp }),
      ...('invite' in request.server ? { inviteCode: request.server.invite.code } : {}),
    });
  }

  /**
   * The second step of a sign-in that answered `mfa_required`: the same first step again with the code, so the
   * page never has to keep the password. A wrong code keeps the first step for another try (the server throttles).
   */
  async function completeSignIn(factor: { totp: string } | { recoveryCode: string }): Promise<Result<SessionState>> {
    const waiting = pending;
    if (waiting === null || waiting.expiresAt <= now()) {
      pending = null;
      return fail('sign_in_expired', 'Sign in again: the sign-in waited too long for its code.');
    }
    const { totp: _totp, recoveryCode: _recoveryCode, ...first } = waiting.body;
    const result = await establish(waiting.server, { ...first, ...factor });
    if (result.ok || result.error.code !== 'invalid_second_factor') pending = null;
    else pending = waiting;
    return result;
  }

  async function signUp(request: ParsedRequestOf<'session.signUp'>): Promise<Result<SessionState>> {
    pending = null;
    endedOnServer = false;
    const server = signInServer(request.server);
    try {
      await api.call(server, 'signUp', {
        body: {
          email: request.email,
          password: request.password,
          displayName: request.displayName,
          ...('invite' in request.server ? { inviteCode: request.server.invite.code } : {}),
        },
      });
    } catch (error) {
      return refused(error, 'sign-up');
    }
    // The invite was used by the sign-up; signing in needs only the account.
    return establish(server, { email: request.email, password: request.password }, { newAccount: true });
  }

  /** The welcome after a sign-up is over; the session no longer says it is new. */
  function finishWelcome(): Result<SessionState> {
    if (newAccountSession === null) return ok(state());
    newAccountSession = null;
    const next = state();
    events.emit('session.changed', next);
    return ok(next);
  }

  /** The signed-in user's name or workspaces changed on the server: the session shows it at once. */
  function updateIdentity(change: {
    readonly user?: SessionStateUser;
    readonly workspaces?: readonly WorkspaceSummary[];
  }): SessionState {
    vault.updateIdentity(change);
    const next = state();
    events.emit('session.changed', next);
    return next;
  }

  async function establish(
    server: ServerAddress,
    body: SignInBody,
    flags: { readonly newAccount?: boolean } = {},
  ): Promise<Result<SessionState>> {
    let response;
    try {
      response = await api.signIn(server, {
        ...body,
        ...(options.deviceLabel === undefined ? {} : { device: options.deviceLabel }),
      });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'mfa_required') {
        pending = { server, body, expiresAt: now() + SECOND_FACTOR_WAIT_MS };
      }
      return refused(error, 'sign-in');
    }
    return adopt(server, response, flags);
  }

  /**
   * Keeps a grant the server issued (to a password, or to single sign-on's login code): the secret in the vault,
   * the refresh token in the keychain, and the page told. One path for both, so an SSO session is an ordinary one.
   */
  async function adopt(
    server: ServerAddress,
    response: Pick<SignInResponse, 'session' | 'user' | 'workspaces'>,
    flags: { readonly newAccount?: boolean } = {},
  ): Promise<Result<SessionState>> {
    if (!vault.isEmpty()) await signOut();
    vault.establish({
      server,
      sessionId: response.session.id,
      sessionSecret: Buffer.from(response.session.secret, 'base64url'),
      user: response.user,
      workspaces: response.workspaces,
    });
    if (flags.newAccount === true) newAccountSession = response.session.id;
    if (keychain !== null) {
      try {
        await keychain.setRefreshToken(keychainServiceFor(server), response.session.refreshToken);
      } catch {
        // Staying signed in for this run is still safe; the user signs in again next launch.
        log('session: the refresh token could not be stored in the keychain');
      }
    }
    const next = state();
    events.emit('session.changed', next);
    return ok(next);
  }

  async function signOut(options: { readonly sessionEnded?: true } = {}): Promise<Result<SessionState>> {
    const identity = vault.identity();
    // "The server ended the session" comes from a socket the page had open, which may belong to the session this one
    // replaced (signing in elsewhere closes the old one with 4001 just as the new one starts): ask the server first.
    if (identity !== null && options.sessionEnded === true && (await honoured(identity.server))) {
      log('session: a socket said the session ended, but the server still honours this one (an earlier socket)');
      return ok(state());
    }
    newAccountSession = null;
    endedOnServer = identity !== null && options.sessionEnded === true;
    // The renderer drops TURN credentials first, so no call can start on them while the rest is torn down.
    events.emit('voice.dropCredentials', { reason: 'sign-out' });
    if (identity !== null) {
      try {
        await api.signOut(identity.server, signer);
      } catch {
        // Local sign-out must not depend on the server: the session expires there on its own.
        log('session: the server could not be told about the sign-out');
      }
    }
    vault.wipe();
    if (identity !== null && keychain !== null) {
      try {
        await keychain.deleteRefreshToken(keychainServiceFor(identity.server));
      } catch {
        log('session: the keychain entry could not be deleted');
      }
    }
    const next = state();
    events.emit('session.changed', next);
    return ok(next);
  }

  /** Whether the server still accepts this session's signed requests; unreachable counts as no (sign out, safely). */
  async function honoured(server: ServerAddress): Promise<boolean> {
    try {
      await api.call(server, 'getAccount', { signer });
      return true;
    } catch {
      return false;
    }
  }

  /** What a server allows (unauthenticated); the caller checks first that the user confirmed the server. */
  async function serverInfo(server: ServerAddress): Promise<Result<ServerInfo>> {
    try {
      return ok(await api.call(server, 'serverInfo'));
    } catch (error) {
      return refused(error, 'server-info');
    }
  }

  return {
    state,
    identity: () => vault.identity(),
    signIn,
    adopt,
    completeSignIn,
    signUp,
    finishWelcome,
    updateIdentity,
    serverInfo,
    signOut,
    signer,
    calls,
    api,
    /** What this app calls itself at sign-in (the account's sessions list shows it), for single sign-on too. */
    deviceLabel: options.deviceLabel,
  };
}

type SessionStateUser = Extract<SessionState, { signedIn: true }>['user'];

export type SessionService = ReturnType<typeof createSessionService>;
