import { newPasswordProblem } from '../../../shared/passwordStrength';
import { hashPassword, verifyPassword } from '../auth/passwordHashing';
import { HttpError } from '../http/httpError';
import type { User } from '../store';
import { mayCreateWorkspaces } from '../workspaceCreation';
import type { ApiDeps, EndpointHandlers } from './context';

type ProfileHandlers = Pick<EndpointHandlers, 'getAccount' | 'changePassword' | 'updateProfile'>;

const publicUser = (user: User) => ({ id: user.id, email: user.email, displayName: user.displayName });

/**
 * What a signed-in account reads and changes about itself: its state (two-step sign-in, what the server lets it
 * create), its password and its display name. The session proves who is asking; changing the password also needs
 * the current one, so a session left open on someone else's machine cannot lock its owner out.
 */
export function profileHandlers(deps: ApiDeps): ProfileHandlers {
  const { store } = deps;

  async function accountOf(userId: string): Promise<User> {
    const user = await store.users.byId(userId);
    if (user === undefined) throw new HttpError(401, 'unknown_session', 'Sign in again.');
    return user;
  }

  return {
    async getAccount({ session }) {
      const user = await accountOf(session.userId);
      return {
        status: 200,
        body: {
          user: publicUser(user),
          totpEnabled: user.totpEnabled,
          serverOwner: user.serverOwner,
          mayCreateWorkspaces: mayCreateWorkspaces(deps.config.workspaceCreation, user),
        },
      };
    },

    async changePassword({ session, body, clientAddress }) {
      const user = await accountOf(session.userId);
      // The sign-in throttle, keyed like a sign-in: a stolen session guessing the password is slowed down exactly as
      // someone guessing at the sign-in form, and both count against the same account.
      const attempt = { email: user.email, address: clientAddress ?? 'unknown' };
      const gate = await deps.throttle.check(attempt);
      if (!gate.allowed) {
        throw new HttpError(429, 'too_many_attempts', 'Too many attempts. Try again later.', {
          'retry-after': String(gate.retryAfterSeconds),
        });
      }
      if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
        await deps.throttle.recordFailure(attempt);
        await deps.audit({ type: 'password_change.failed', actorUserId: user.id });
        throw new HttpError(403, 'wrong_password', 'Your current password is not right.');
      }
      await deps.throttle.recordSuccess(attempt);
      const weak = newPasswordProblem(body.newPassword, [user.email, user.displayName]);
      if (weak !== null) throw new HttpError(400, 'weak_password', weak);
      const hashed = await hashPassword(body.newPassword);
      if (!hashed.ok) throw new HttpError(400, hashed.error.code, hashed.error.message);
      const others = (await store.sessions.listActive(user.id)).filter((s) => s.id !== session.sessionId);
      await store.users.setPasswordHash(user.id, hashed.value);
      const signedOut = await store.sessions.revokeAllForUser(user.id, {
        exceptSessionId: session.sessionId,
        reason: 'password_changed',
      });
      // Whatever those sessions had open ends now: their sockets, their unused tickets, their relay allocations.
      for (const other of others) {
        await deps.tickets.revokeSession(other.id);
        deps.signalling()?.closeSession(other.id);
        deps.relay?.endSession(other.id);
      }
      await deps.audit({ type: 'account.password_changed', actorUserId: user.id, details: { signedOut } });
      return { status: 200, body: { signedOutSessions: signedOut } };
    },

    async updateProfile({ session, body }) {
      const user = await accountOf(session.userId);
      if (body.displayName !== user.displayName) {
        await store.users.setDisplayName(user.id, body.displayName);
        await deps.audit({
          type: 'account.renamed',
          actorUserId: user.id,
          details: { from: user.displayName, to: body.displayName },
        });
        // The name is the account's, so every workspace it belongs to shows the new one.
        const signalling = deps.signalling();
        for (const { workspace } of await store.workspaces.listForUser(user.id)) {
          await signalling?.publishWorkspaceEvent(workspace.id, 'member.updated', {
            userId: user.id,
            displayName: body.displayName,
          });
        }
      }
      return { status: 200, body: { user: { ...publicUser(user), displayName: body.displayName } } };
    },
  };
}
