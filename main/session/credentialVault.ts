import { inspect } from 'node:util';
import type { ServerAddress } from '../../shared/identifiers';
import type { PublicUser, WorkspaceSummary } from '../../shared/session';

export interface EstablishedSession {
  readonly server: ServerAddress;
  readonly sessionId: string;
  /** Consumed: the vault copies it and zero-fills the caller's buffer, so only one copy lives in memory. */
  readonly sessionSecret: Buffer;
  readonly user: PublicUser;
  readonly workspaces: readonly WorkspaceSummary[];
}

export interface SessionIdentity {
  readonly server: ServerAddress;
  readonly sessionId: string;
  readonly user: PublicUser;
  readonly workspaces: readonly WorkspaceSummary[];
}

const REDACTED = '[CredentialVault: redacted]';

/**
 * Holds the session id and session secret in main-process memory only. The secret never leaves except into an
 * HMAC computation via `withSecret`; it is not serialisable (toJSON, util.inspect and String() redact), and
 * `wipe()` overwrites it with zeros before dropping the reference.
 */
export class CredentialVault {
  #identity: SessionIdentity | null = null;
  #secret: Buffer | null = null;

  establish(session: EstablishedSession): void {
    this.wipe();
    const secret = Buffer.alloc(session.sessionSecret.length);
    session.sessionSecret.copy(secret);
    session.sessionSecret.fill(0);
    this.#secret = secret;
    this.#identity = {
      server: session.server,
      sessionId: session.sessionId,
      user: session.user,
      workspaces: [...session.workspaces],
    };
  }

  /** The signed-in user's name or workspaces changed (a rename, a join, a new workspace); the secret stays. */
  updateIdentity(change: { readonly user?: PublicUser; readonly workspaces?: readonly WorkspaceSummary[] }): void {
    if (this.#identity === null) return;
    this.#identity = {
      ...this.#identity,
      ...(change.user === undefined ? {} : { user: change.user }),
      ...(change.workspaces === undefined ? {} : { workspaces: [...change.workspaces] }),
    };
  }

  identity(): SessionIdentity | null {
    return this.#identity;
  }

  isEmpty(): boolean {
    return this.#identity === null && this.#secret === null;
  }

  /** Lends the secret to a computation that must not keep it (an HMAC); throws when signed out. */
  withSecret<T>(use: (secret: Uint8Array, sessionId: string) => T): T {
    if (this.#secret === null || this.#identity === null) throw new Error('Not signed in.');
    return use(this.#secret, this.#identity.sessionId);
  }

  wipe(): void {
    this.#secret?.fill(0);
    this.#secret = null;
    this.#identity = null;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
