import type { SsoSettings } from '../../../shared/sso';
import { HttpError } from '../http/httpError';
import type { SsoSettingsRecord } from '../store';
import type { SsoFlow } from '../sso/ssoFlow';
import type { ApiDeps, EndpointHandlers } from './context';
import { requireMember } from './membership';
import { issueSession } from './sessionGrant';
import { workspaceSummaries } from './workspaceHandlers';

type SsoHandlers = Pick<
  EndpointHandlers,
  'ssoLookup' | 'ssoExchange' | 'getSsoSettings' | 'putSsoSettings' | 'deleteSsoSettings'
>;

/** The owner's view of the settings: everything but the secret, which is only ever "set". */
const settingsDto = (record: SsoSettingsRecord, callbackUrl: string): SsoSettings => ({
  providerName: record.providerName,
  issuer: record.issuer,
  clientId: record.clientId,
  clientSecretSet: true,
  allowedDomains: [...record.allowedDomains],
  roleClaim: record.roleClaim,
  roleRules: record.roleRules.map(({ value, role }) => ({ value, role })),
  requireSso: record.requireSso,
  callbackUrl,
  updatedAt: record.updatedAt,
});

/** Single sign-on: the lookup the sign-in screen makes, the app's code exchange, and the owner's settings. */
export function ssoHandlers(deps: ApiDeps, flow: SsoFlow, callbackUrl: () => string): SsoHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';

  /** Settings are the owner's alone: admins cannot reach the identity setup that decides who becomes admin. */
  async function requireOwner(workspaceId: string, userId: string) {
    const member = await requireMember(store, workspaceId, userId);
    if (member.role !== 'owner') {
      throw new HttpError(403, 'forbidden', "Only the workspace's owners can set up single sign-on.");
    }
  }

  return {
    async ssoLookup({ body }) {
      const workspaceId =
        'inviteCode' in body
          ? await store.sso.workspaceOfInvite(body.inviteCode)
          : (await store.workspaces.bySlug(body.workspace))?.id;
      const workspace = workspaceId === undefined ? undefined : await store.workspaces.byId(workspaceId);
      const settings = workspace && (await store.sso.settings(workspace.id));
      const sso = workspace && settings ? { workspace: workspace.slug, providerName: settings.providerName } : null;
      return { status: 200, body: { sso } };
    },

    async ssoExchange({ body, clientAddress }) {
      const exchanged = await flow.exchange(body.code, body.verifier);
      const user = exchanged && (await store.users.byId(exchanged.userId));
      if (exchanged === undefined || user === undefined) {
        throw new HttpError(401, 'invalid_login_code', 'This sign-in did not finish. Start again.');
      }
      const session = await issueSession(deps, user.id, {
        deviceLabel: body.device ?? null,
        lastAddress: clientAddress ?? null,
      });
      // Through the provider, whoot's own second factor is not asked: the provider's login is the factor.
      await deps.audit({
        type: 'sign_in',
        actorUserId: user.id,
        workspaceId: exchanged.workspaceId,
        details: { method: 'sso' },
      });
      return {
        status: 200,
        body: {
          session,
          user: { id: user.id, email: user.email, displayName: user.displayName },
          workspaces: await workspaceSummaries(store, user.id),
        },
      };
    },

    async getSsoSettings({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requireOwner(workspaceId, session.userId);
      const record = await store.sso.settings(workspaceId);
      return {
        status: 200,
        body: { settings: record ? settingsDto(record, callbackUrl()) : null, callbackUrl: callbackUrl() },
      };
    },

    async putSsoSettings({ session, params, body }) {
      const workspaceId = param(params, 'workspaceId');
      await requireOwner(workspaceId, session.userId);
      const before = await store.sso.settings(workspaceId);
      const saved = await store.sso.saveSettings(workspaceId, body);
      if (!saved.ok) {
        throw new HttpError(400, saved.error.code, 'Enter the client secret the identity provider gave you.');
      }
      await deps.audit({
        type: 'sso.configured',
        actorUserId: session.userId,
        workspaceId,
        // What changed, never the secret itself.
        details: {
          issuer: body.issuer,
          clientId: body.clientId,
          requireSso: body.requireSso,
          secretChanged: body.clientSecret !== undefined,
        },
      });
      if (body.requireSso && before?.requireSso !== true) await endPasswordSessions(workspaceId);
      return { status: 200, body: { settings: settingsDto(saved.value, callbackUrl()) } };
    },

    async deleteSsoSettings({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requireOwner(workspaceId, session.userId);
      if (await store.sso.removeSettings(workspaceId)) {
        await deps.audit({ type: 'sso.removed', actorUserId: session.userId, workspaceId });
      }
      return { status: 204 };
    },
  };

  /**
   * Turning "require single sign-on" on ends every session of the workspace's admins and members, so nobody stays
   * in on a password the workspace no longer accepts; they come back through the provider.
   */
  async function endPasswordSessions(workspaceId: string) {
    const signalling = deps.signalling();
    for (const member of await store.forWorkspace(workspaceId).members.list()) {
      if (member.role === 'owner') continue;
      const active = await store.sessions.listActive(member.userId);
      await store.sessions.revokeAllForUser(member.userId, { reason: 'revoked' });
      for (const ended of active) signalling?.closeSession(ended.id);
      signalling?.closeUser(member.userId);
    }
  }
}
