import { AUDIT_PAGE, type AuditPerson } from '../../../shared/admin';
import type { ApiToken } from '../../../shared/apiTokens';
import { mintApiToken } from '../apiTokens/apiTokens';
import { HttpError } from '../http/httpError';
import type { ApiTokenRecord, AuditEntry } from '../store';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound, requirePermission } from './membership';

export const MAX_API_TOKENS_PER_WORKSPACE = 50;

type AdminHandlers = Pick<
  EndpointHandlers,
  | 'listApiTokens'
  | 'createApiToken'
  | 'revokeApiToken'
  | 'removeMember'
  | 'listInvites'
  | 'revokeInvite'
  | 'listSessions'
  | 'revokeSession'
  | 'auditLog'
>;

const tokenDto = (token: ApiTokenRecord): ApiToken => ({
  id: token.id,
  name: token.name,
  createdAt: token.createdAt,
  lastUsedAt: token.lastUsedAt,
  revokedAt: token.revokedAt,
});

/**
 * The admin console's operations beyond what workspaceHandlers serves: API tokens, removing members, listing and
 * revoking invites, the caller's own sessions, and the audit log with the chain's verification. Members get 403,
 * non-members and other workspaces' ids the same 404 as ids that do not exist.
 */
export function adminHandlers(deps: ApiDeps): AdminHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';

  /** The actors and members acted on (details.userId) of a page of entries, with their names now. */
  async function peopleIn(entries: readonly AuditEntry[]): Promise<AuditPerson[]> {
    const ids = new Set<string>();
    for (const entry of entries) {
      if (entry.actorUserId !== null) ids.add(entry.actorUserId);
      const target = entry.details['userId'];
      if (typeof target === 'string') ids.add(target);
    }
    const users = await Promise.all([...ids].map((id) => store.users.byId(id)));
    return users.flatMap((user) => (user === undefined ? [] : [{ userId: user.id, displayName: user.displayName }]));
  }

  async function tokens(params: Readonly<Record<string, string>>, userId: string) {
    const workspaceId = param(params, 'workspaceId');
    await requirePermission(store, workspaceId, userId, 'integrations.manage');
    return { workspaceId, tokens: store.forWorkspace(workspaceId).apiTokens };
  }

  return {
    async removeMember({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      const actor = await requirePermission(store, workspaceId, session.userId, 'members.remove');
      const scope = store.forWorkspace(workspaceId);
      const target = await scope.members.get(param(params, 'userId'));
      if (target === undefined) throw notFound();
      if (target.userId === session.userId) {
        throw new HttpError(409, 'cannot_remove_self', 'You cannot remove yourself; another owner or admin can.');
      }
      if (target.role !== 'member' && actor.role !== 'owner') {
        throw new HttpError(403, 'forbidden', 'Only an owner can remove an owner or an admin.');
      }
      if (target.role === 'owner' && (await scope.members.count('owner')) <= 1) {
        throw new HttpError(409, 'last_owner', 'A workspace needs at least one owner.');
      }
      await scope.members.remove(target.userId);
      deps.signalling()?.closeUser(target.userId, workspaceId);
      await deps.audit({
        type: 'member.removed',
        actorUserId: session.userId,
        workspaceId,
        details: { userId: target.userId },
      });
      return { status: 204 };
    },

    async listInvites({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requirePermission(store, workspaceId, session.userId, 'invite');
      const invites = await store.forWorkspace(workspaceId).invites.list();
      return {
        status: 200,
        body: {
          invites: invites.slice(-1000).map((invite) => ({
            id: invite.id,
            role: invite.role,
            maxUses: invite.maxUses,
            uses: invite.uses,
            createdBy: invite.createdBy,
            createdAt: invite.createdAt,
            expiresAt: invite.expiresAt,
            revokedAt: invite.revokedAt,
          })),
        },
      };
    },

    async revokeInvite({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requirePermission(store, workspaceId, session.userId, 'invite');
      const inviteId = param(params, 'inviteId');
      const invites = store.forWorkspace(workspaceId).invites;
      if ((await invites.get(inviteId)) === undefined) throw notFound();
      if (await invites.revoke(inviteId)) {
        await deps.audit({ type: 'invite.revoked', actorUserId: session.userId, workspaceId, details: { inviteId } });
      }
      return { status: 204 };
    },

    async listSessions({ session }) {
      const sessions = await store.sessions.listActive(session.userId);
      return {
        status: 200,
        body: {
          sessions: sessions.slice(-1000).map((s) => ({
            id: s.id,
            createdAt: s.createdAt,
            lastSeenAt: s.lastSeenAt,
            device: s.deviceLabel,
            address: s.lastAddress,
            current: s.id === session.sessionId,
          })),
        },
      };
    },

    async revokeSession({ session, params }) {
      const sessionId = param(params, 'sessionId');
      // Only the caller's own sessions are found: anyone else's answers like one that does not exist.
      const target = (await store.sessions.listActive(session.userId)).find((s) => s.id === sessionId);
      if (target === undefined) throw notFound();
      if (target.id === session.sessionId) {
        throw new HttpError(409, 'current_session', 'This is the session you are using: sign out instead.');
      }
      // The whole family: a refresh must not bring the revoked device back.
      await store.sessions.revokeFamily(target.familyId, 'revoked');
      await deps.tickets.revokeSession(target.id);
      // Sockets, tickets and relay allocations of the session, on every node.
      deps.signalling()?.closeSession(target.id);
      await deps.audit({ type: 'session.revoked', actorUserId: session.userId, details: { sessionId: target.id } });
      return { status: 204 };
    },

    async auditLog({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requirePermission(store, workspaceId, session.userId, 'audit.view');
      const [entries, verification] = await Promise.all([
        store.forWorkspace(workspaceId).audit.newest(AUDIT_PAGE),
        store.audit.verify(),
      ]);
      const people = await peopleIn(entries);
      return {
        status: 200,
        body: {
          entries: entries.map((entry) => ({
            seq: entry.seq,
            at: entry.at,
            type: entry.type,
            actorUserId: entry.actorUserId,
            details: entry.details,
            hash: entry.hash,
          })),
          people,
          chain: verification.ok
            ? { ok: true, entries: verification.entries, headSeq: verification.head.seq }
            : { ok: false, seq: verification.seq, reason: verification.reason },
        },
      };
    },

    async listApiTokens({ session, params }) {
      const scope = await tokens(params, session.userId);
      return { status: 200, body: { tokens: (await scope.tokens.list()).map(tokenDto) } };
    },

    async createApiToken({ session, params, body }) {
      const scope = await tokens(params, session.userId);
      if ((await scope.tokens.list()).length >= MAX_API_TOKENS_PER_WORKSPACE) {
        throw new HttpError(
          409,
          'too_many_tokens',
          `A workspace can have at most ${MAX_API_TOKENS_PER_WORKSPACE} API tokens.`,
        );
      }
      const minted = await mintApiToken();
      const created = await scope.tokens.create({
        id: minted.tokenId,
        name: body.name,
        secretHash: minted.secretHash,
        createdBy: session.userId,
      });
      await deps.audit({
        type: 'api_token.created',
        actorUserId: session.userId,
        workspaceId: scope.workspaceId,
        details: { tokenId: created.id },
      });
      return { status: 201, body: { apiToken: tokenDto(created), token: minted.token } };
    },

    async revokeApiToken({ session, params }) {
      const scope = await tokens(params, session.userId);
      const tokenId = param(params, 'tokenId');
      if ((await scope.tokens.get(tokenId)) === undefined) throw notFound();
      if (await scope.tokens.revoke(tokenId)) {
        await deps.audit({
          type: 'api_token.revoked',
          actorUserId: session.userId,
          workspaceId: scope.workspaceId,
          details: { tokenId },
        });
      }
      return { status: 204 };
    },
  };
}
