import { randomBytes } from 'node:crypto';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/passwordHashing';
import { base32Decode } from '../auth/base32';
import { generateRecoveryCodes, hashRecoveryCode } from '../auth/recoveryCodes';
import { generateRefreshToken, generateSessionId, hashToken, parseRefreshToken } from '../auth/sessionTokens';
import { generateTotpSecret, otpauthUri, verifyTotp } from '../auth/totp';
import { HttpError } from '../http/httpError';
import type { User } from '../store';
import { nowSeconds, type ApiDeps, type EndpointHandlers } from './context';
import { issueSession } from './sessionGrant';
import { inviteRequiresSso, ssoRequiredWorkspaces } from '../sso/ssoPolicy';
import { workspaceSummaries } from './workspaceHandlers';
import { profileHandlers } from './profileHandlers';
import { newPasswordProblem } from '../../../shared/passwordStrength';

const ENROLMENT_TTL_MS = 10 * 60 * 1000;
const wrongCredentials = () => new HttpError(401, 'invalid_credentials', 'Wrong email or password.');

type AccountHandlers = Pick<
  EndpointHandlers,
  | 'signUp'
  | 'signIn'
  | 'refresh'
  | 'signOut'
  | 'signOutEverywhere'
  | 'totpEnroll'
  | 'totpConfirm'
  | 'totpDisable'
  | 'getAccount'
  | 'changePassword'
  | 'updateProfile'
>;

/**
 * Sign-up, sign-in (with TOTP or a recovery code), refresh rotation, sign-out and MFA enrolment, plus what a
 * signed-in account changes about itself (profileHandlers.ts).
 */
export function accountHandlers(deps: ApiDeps): AccountHandlers {
  const { store } = deps;

  async function checkSecondFactor(user: User, totp: string | undefined, recoveryCode: string | undefined) {
    if (totp !== undefined) {
      const seed = await store.users.totpSeed(user.id);
      if (seed === undefined) return false;
      return acceptTotp(user.id, seed, totp);
    }
    if (recoveryCode !== undefined) {
      const hash = hashRecoveryCode({ key: await deps.recoveryKey(), userId: user.id }, recoveryCode);
      return hash !== null && (await store.users.consumeRecoveryCode(user.id, hash));
    }
    return false;
  }

  /** A code counts only if its step is later than the account's last one, recorded atomically (replays fail). */
  async function acceptTotp(userId: string, seed: Uint8Array | string, code: string): Promise<boolean> {
    const result = verifyTotp(seed, code, {
      now: nowSeconds(deps),
      lastUsedStep: await store.users.lastTotpStep(userId),
    });
    return result.ok && (await store.users.advanceTotpStep(userId, result.step));
  }

  const publicUser = (user: User) => ({ id: user.id, email: user.email, displayName: user.displayName });
  const emailTaken = () => new HttpError(409, 'email_taken', 'An account with this email already exists.');
  const auditAccountCreated = (user: User) =>
    deps.audit({ type: 'account.created', actorUserId: user.id, details: { serverOwner: user.serverOwner } });

  return {
    ...profileHandlers(deps),

    async signUp({ body }) {
      // Refused before the password is hashed: an invite-only server spends nothing on a sign-up without one.
      if (body.inviteCode === undefined && deps.config.registration === 'invite-only') {
        throw new HttpError(403, 'invite_required', 'This server takes new accounts by invite only.');
      }
      // The schema refused the very weak ones already; this adds what only the account knows (its name and email).
      const weak = newPasswordProblem(body.password, [body.email, body.displayName]);
      if (weak !== null) throw new HttpError(400, 'weak_password', weak);
      if (body.inviteCode !== undefined && (await inviteRequiresSso(store, body.inviteCode))) {
        throw new HttpError(403, 'sso_required', 'This workspace takes new members through its identity provider.');
      }
      const hashed = await hashPassword(body.password);
      if (!hashed.ok) throw new HttpError(400, hashed.error.code, hashed.error.message);
      const newUser = { email: body.email, displayName: body.displayName, passwordHash: hashed.value };
      if (body.inviteCode === undefined) {
        const created = await store.users.create(newUser);
        if (!created.ok) throw emailTaken();
        await auditAccountCreated(created.value);
        return { status: 201, body: { user: publicUser(created.value), serverOwner: created.value.serverOwner } };
      }
      // With an invite, the account exists only if the invite takes it: a bad code creates nothing, whatever the mode.
      const created = await store.invites.createAccount(body.inviteCode, newUser);
      if (!created.ok) {
        if (created.reason === 'email_taken') throw emailTaken();
        throw new HttpError(404, 'invite_invalid', 'This invite is not valid any more.');
      }
      const { user, workspace } = created;
      await auditAccountCreated(user);
      await deps.audit({ type: 'invite.redeemed', actorUserId: user.id, workspaceId: workspace.id });
      return { status: 201, body: { user: publicUser(user), serverOwner: user.serverOwner } };
    },

    async signIn({ body, clientAddress }) {
      const attempt = { email: body.email, address: clientAddress ?? 'unknown' };
      const gate = await deps.throttle.check(attempt);
      if (!gate.allowed) {
        throw new HttpError(429, 'too_many_attempts', 'Too many sign-in attempts. Try again later.', {
          'retry-after': String(gate.retryAfterSeconds),
        });
      }
      const user = await store.users.byEmail(body.email);
      const passwordOk =
        user === undefined
          ? await verifyAgainstDummy(body.password)
          : await verifyPassword(user.passwordHash, body.password);
      if (user === undefined || !passwordOk) {
        await deps.throttle.recordFailure(attempt);
        await deps.audit({
          type: 'sign_in.failed',
          ...(user ? { actorUserId: user.id } : {}),
          details: { reason: 'password' },
        });
        throw wrongCredentials();
      }
      if (user.totpEnabled) {
        if (body.totp === undefined && body.recoveryCode === undefined) {
          throw new HttpError(401, 'mfa_required', 'Enter the code from your authenticator app.');
        }
        if (!(await checkSecondFactor(user, body.totp, body.recoveryCode))) {
          await deps.throttle.recordFailure(attempt);
          await deps.audit({ type: 'sign_in.failed', actorUserId: user.id, details: { reason: 'second_factor' } });
          throw new HttpError(401, 'invalid_second_factor', 'That code is not valid.');
        }
      }
      // A workspace that requires single sign-on refuses its members' and admins' passwords; its owners keep them
      // (the break-glass path). Checked after the password, so the answer says nothing about unknown accounts.
      const ssoOnly = await ssoRequiredWorkspaces(store, user.id);
      if (ssoOnly.length > 0) {
        await deps.audit({ type: 'sign_in.failed', actorUserId: user.id, details: { reason: 'sso_required' } });
        throw new HttpError(
          403,
          'sso_required',
          `Sign in through your organization's identity provider: ${ssoOnly.map((w) => w.name).join(', ')} requires it.`,
        );
      }
      await deps.throttle.recordSuccess(attempt);
      if (body.inviteCode !== undefined) {
        const redeemed = await store.invites.redeem(body.inviteCode, user.id);
        if (redeemed.ok && redeemed.joined) {
          await deps.audit({ type: 'invite.redeemed', actorUserId: user.id, workspaceId: redeemed.workspace.id });
        }
      }
      const session = await issueSession(deps, user.id, {
        deviceLabel: body.device ?? null,
        lastAddress: clientAddress ?? null,
      });
      await deps.audit({
        type: 'sign_in',
        actorUserId: user.id,
        details: { method: body.recoveryCode !== undefined ? 'recovery_code' : user.totpEnabled ? 'totp' : 'password' },
      });
      return {
        status: 200,
        body: { session, user: publicUser(user), workspaces: await workspaceSummaries(store, user.id) },
      };
    },

    async refresh({ body, clientAddress }) {
      const parts = parseRefreshToken(body.refreshToken);
      if (parts === null) throw new HttpError(401, 'invalid_refresh_token', 'The refresh token is not valid.');
      const next = generateRefreshToken(parts.familyId);
      const secret = randomBytes(32);
      const outcome = await store.sessions.rotateRefresh(hashToken(body.refreshToken), {
        id: generateSessionId(),
        secret,
        refreshTokenHash: next.hash,
        idleExpiresAt: deps.now() + deps.config.sessions.idleMinutes * 60_000,
        lastAddress: clientAddress ?? null,
      });
      if (!outcome.ok) {
        if (outcome.reason === 'reused') {
          // A stale token came back: someone holds a copy. The whole family is revoked (by the store) and the
          // user's sockets close; their other devices reconnect with their own, still valid, sessions.
          deps.signalling()?.closeUser(outcome.userId);
          await deps.audit({
            type: 'session.refresh_reuse',
            actorUserId: outcome.userId,
            details: { revoked: outcome.revokedSessions },
          });
        }
        throw new HttpError(401, 'invalid_refresh_token', 'The refresh token is not valid.');
      }
      // The old session's sockets go; its relay allocations stay with the family (signallingServer.ts).
      deps.signalling()?.closeSession(outcome.previousSessionId, 'refreshed');
      await deps.tickets.revokeSession(outcome.previousSessionId);
      return {
        status: 200,
        body: {
          session: {
            id: outcome.session.id,
            secret: secret.toString('base64url'),
            refreshToken: next.token,
            idleExpiresAt: Math.floor(outcome.session.idleExpiresAt / 1000),
          },
        },
      };
    },

    async signOut({ session }) {
      await store.sessions.revoke(session.sessionId, 'signed_out');
      await deps.tickets.revokeSession(session.sessionId);
      // Every node closes the session's sockets and ends its relay allocations (signallingServer.ts).
      deps.signalling()?.closeSession(session.sessionId);
      await deps.audit({ type: 'session.signed_out', actorUserId: session.userId });
      return { status: 204 };
    },

    async signOutEverywhere({ session }) {
      const active = await store.sessions.listActive(session.userId);
      const revoked = await store.sessions.revokeAllForUser(session.userId, { reason: 'revoked' });
      const signalling = deps.signalling();
      // Each session's relay allocations end on every node; then every socket of the user closes.
      for (const ended of active) signalling?.closeSession(ended.id);
      signalling?.closeUser(session.userId);
      await deps.audit({ type: 'session.revoked_all', actorUserId: session.userId, details: { revoked } });
      return { status: 204 };
    },

    async totpEnroll({ session }) {
      const user = await store.users.byId(session.userId);
      if (user === undefined) throw new HttpError(401, 'unknown_session', 'Sign in again.');
      if (user.totpEnabled) throw new HttpError(409, 'mfa_enabled', 'Two-step sign-in is already on.');
      const secret = generateTotpSecret();
      const seed = base32Decode(secret);
      if (seed === null) throw new HttpError(500, 'internal_error', 'The server could not complete the request.');
      // In the store, not this node's memory: the confirmation may reach another node.
      await store.users.beginTotpEnrolment(user.id, seed, deps.now() + ENROLMENT_TTL_MS);
      const uri = otpauthUri({ issuer: 'whoot', account: user.email, secret });
      if (!uri.ok) throw new HttpError(500, 'internal_error', 'The server could not complete the request.');
      return { status: 200, body: { secret, otpauthUri: uri.value } };
    },

    async totpConfirm({ session, body }) {
      const pending = await store.users.pendingTotpEnrolment(session.userId);
      if (pending === undefined || pending.expiresAt < deps.now()) {
        throw new HttpError(409, 'no_enrolment', 'Start setting up two-step sign-in first.');
      }
      if (!(await acceptTotp(session.userId, pending.seed, body.code))) {
        throw new HttpError(400, 'invalid_second_factor', 'That code is not valid.');
      }
      // Ends the pending enrolment in the same statement.
      await store.users.setTotpSeed(session.userId, pending.seed);
      const codes = generateRecoveryCodes({ key: await deps.recoveryKey(), userId: session.userId });
      await store.users.replaceRecoveryCodes(session.userId, codes.hashes);
      await deps.audit({ type: 'mfa.enabled', actorUserId: session.userId });
      return { status: 200, body: { recoveryCodes: [...codes.codes] } };
    },

    async totpDisable({ session, body }) {
      const seed = await store.users.totpSeed(session.userId);
      if (seed === undefined) throw new HttpError(409, 'mfa_disabled', 'Two-step sign-in is not on.');
      if (!(await acceptTotp(session.userId, seed, body.code))) {
        throw new HttpError(400, 'invalid_second_factor', 'That code is not valid.');
      }
      await store.users.clearTotpSeed(session.userId);
      await store.users.replaceRecoveryCodes(session.userId, []);
      await deps.audit({ type: 'mfa.disabled', actorUserId: session.userId });
      return { status: 204 };
    },
  };
}
