import { keychainServiceFor } from '../../shared/identifiers';
import { fail, ok, type Result } from '../../shared/result';
import { signInServer, type SessionState } from '../../shared/session';
import type { ParsedRequestOf } from '../../shared/ipc';
import type { EventSink } from '../ipc/eventSink';
import { ApiError, type ServerApi } from './apiClient';
import type { SignInResponse } from '../../shared/rest/auth';
import type { ServerAddress } from '../../shared/identifiers';
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
}

/**
 * The session lifecycle in main: sign-in puts the secret in the vault and the refresh token in the OS keychain;
 * sign-out tells the renderer to drop its TURN credentials, tells the server, and wipes vault and keychain entry.
 */
export function createSessionService(options: SessionServiceOptions) {
  const { vault, keychain, api, events } = options;
  const log = options.log ?? (() => undefined);
  const signer = createRequestSigner({ vault });
  const calls = createSignedCalls({ vault, api, signer });

  function state(): SessionState {
    const identity = vault.identity();
    if (identity === null) return { signedIn: false };
    return {
      signedIn: true,
      server: { host: identity.server.host, port: identity.server.port },
      user: identity.user,
      workspaces: [...identity.workspaces],
    };
  }

  async function signIn(request: ParsedRequestOf<'session.signIn'>): Promise<Result<SessionState>> {
    const server = signInServer(request.server);
    let response;
    try {
      response = await api.signIn(server, {
        email: request.email,
        password: request.password,
        ...(request.totp === undefined ? {} : { totp: request.totp }),
        ...('invite' in request.server ? { inviteCode: request.server.invite.code } : {}),
      });
    } catch (error) {
      if (error instanceof ServerConnectionError || error instanceof ApiError) return fail(error.code, error.message);
      log('session: sign-in failed unexpectedly');
      return fail('sign_in_failed', 'Sign-in failed.');
    }
    return adopt(server, response);
  }

  /**
   * Keeps a grant the server issued (to a password, or to single sign-on's login code): the secret in the vault,
   * the refresh token in the keychain, and the page told. One path for both, so an SSO session is an ordinary one.
   */
  async function adopt(
    server: ServerAddress,
    response: Pick<SignInResponse, 'session' | 'user' | 'workspaces'>,
  ): Promise<Result<SessionState>> {
    if (!vault.isEmpty()) await signOut();
    vault.establish({
      server,
      sessionId: response.session.id,
      sessionSecret: Buffer.from(response.session.secret, 'base64url'),
      user: response.user,
      workspaces: response.workspaces,
    });
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

  async function signOut(): Promise<Result<SessionState>> {
    const identity = vault.identity();
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

  return { state, signIn, adopt, signOut, signer, calls, api };
}

export type SessionService = ReturnType<typeof createSessionService>;
