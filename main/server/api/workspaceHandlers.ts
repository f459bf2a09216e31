import { randomBytes } from 'node:crypto';
import { formatInviteLink } from '../../../shared/deepLink';
import type { Channel as ChannelDto } from '../../../shared/rest/endpoints';
import { HttpError } from '../http/httpError';
import type { Channel, Store } from '../store';
import type { ApiDeps, EndpointHandlers } from './context';
import { mayCreateWorkspaces, createWorkspaceWithChannels } from '../workspaceCreation';
import { mayGrant } from '../permissions';
import { notFound, requireMember, requirePermission } from './membership';

export async function workspaceSummaries(store: Store, userId: string) {
  return (await store.workspaces.listForUser(userId)).map(({ workspace, role }) => ({
    id: workspace.id,
    slug: workspace.slug,
    name: workspace.name,
    role,
  }));
}

export const channelDto = (channel: Channel): ChannelDto => ({
  id: channel.id,
  workspaceId: channel.workspaceId,
  name: channel.name,
  kind: channel.kind,
  relayOnly: channel.relayOnly,
  voiceMode: channel.voiceMode,
});

type WorkspaceHandlers = Pick<
  EndpointHandlers,
  | 'listWorkspaces'
  | 'createWorkspace'
  | 'listMembers'
  | 'setMemberRole'
  | 'createInvite'
  | 'acceptInvite'
  | 'listChannels'
  | 'createChannel'
  | 'deleteChannel'
  | 'setChannelVoiceMode'
>;

const cannotGrant = () =>
  new HttpError(403, 'forbidden', 'Only owners can give a role as high as their own, by invite or by role change.');

/** Workspaces, members and roles, invites and channels; every lookup goes through the workspace-scoped store. */
export function workspaceHandlers(deps: ApiDeps): WorkspaceHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';

  return {
    async listWorkspaces({ session }) {
      return { status: 200, body: { workspaces: await workspaceSummaries(store, session.userId) } };
    },

    async createWorkspace({ session, body }) {
      // Before the address check, so an account that may not create learns nothing about which addresses exist.
      if (!mayCreateWorkspaces(deps.config.workspaceCreation, await store.users.byId(session.userId))) {
        throw new HttpError(403, 'forbidden', "Only this server's operators can create workspaces.");
      }
      const created = await createWorkspaceWithChannels(store, {
        slug: body.slug,
        name: body.name,
        ownerUserId: session.userId,
        channels: deps.config.defaultChannels,
        via: 'api',
      });
      if (!created.ok) throw new HttpError(409, 'slug_taken', 'That workspace address is taken.');
      const { workspace } = created.value;
      return {
        status: 201,
        body: { workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name, role: 'owner' } },
      };
    },

    async listMembers({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requireMember(store, workspaceId, session.userId);
      const listed = await store.forWorkspace(workspaceId).members.list();
      const online =
        (await deps.signalling()?.onlineUsers(
          workspaceId,
          listed.map((member) => member.userId),
        )) ?? new Set<string>();
      const members = listed.map((member) => ({
        userId: member.userId,
        displayName: member.displayName,
        role: member.role,
        online: online.has(member.userId),
      }));
      return { status: 200, body: { members } };
    },

    async setMemberRole({ session, params, body }) {
      const workspaceId = param(params, 'workspaceId');
      const actor = await requirePermission(store, workspaceId, session.userId, 'members.manageRoles');
      const scope = store.forWorkspace(workspaceId);
      const target = await scope.members.get(param(params, 'userId'));
      if (target === undefined) throw notFound();
      // Both sides of the change: nobody raises anyone to their own rank or above, nor moves someone who holds it.
      if (!mayGrant(actor.role, body.role) || !mayGrant(actor.role, target.role)) throw cannotGrant();
      if (target.role === 'owner' && body.role !== 'owner' && (await scope.members.count('owner')) <= 1) {
        throw new HttpError(409, 'last_owner', 'A workspace needs at least one owner.');
      }
      await scope.members.setRole(target.userId, body.role);
      await deps.audit({
        type: 'member.role_changed',
        actorUserId: session.userId,
        workspaceId,
        details: { userId: target.userId, from: target.role, to: body.role },
      });
      return { status: 204 };
    },

    async createInvite({ session, params, body }) {
      const workspaceId = param(params, 'workspaceId');
      const actor = await requirePermission(store, workspaceId, session.userId, 'invite');
      if (!mayGrant(actor.role, body.role)) throw cannotGrant();
      const code = randomBytes(18).toString('base64url');
      const invite = await store.forWorkspace(workspaceId).invites.create({
        code,
        createdBy: session.userId,
        role: body.role,
        maxUses: body.maxUses,
        expiresAt: deps.now() + body.ttlSeconds * 1000,
      });
      await deps.audit({
        type: 'invite.created',
        actorUserId: session.userId,
        workspaceId,
        details: { inviteId: invite.id, role: invite.role, maxUses: invite.maxUses },
      });
      const link = formatInviteLink({
        host: deps.config.publicHost,
        port: deps.publicPort(),
        spkiPin: deps.spkiPin,
        code,
      });
      return { status: 201, body: { code, link, expiresAt: Math.floor(invite.expiresAt / 1000) } };
    },

    async acceptInvite({ session, body }) {
      const redeemed = await store.invites.redeem(body.code, session.userId);
      if (!redeemed.ok) throw new HttpError(404, 'invite_invalid', 'This invite is not valid any more.');
      if (redeemed.joined) {
        await deps.audit({ type: 'invite.redeemed', actorUserId: session.userId, workspaceId: redeemed.workspace.id });
      }
      const { workspace, role } = redeemed;
      return {
        status: 200,
        body: { workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name, role } },
      };
    },

    async listChannels({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requireMember(store, workspaceId, session.userId);
      const channels = await store.forWorkspace(workspaceId).channels.list();
      return { status: 200, body: { channels: channels.map(channelDto) } };
    },

    async createChannel({ session, params, body }) {
      const workspaceId = param(params, 'workspaceId');
      await requirePermission(store, workspaceId, session.userId, 'channels.manage');
      const channel = channelDto(
        await store
          .forWorkspace(workspaceId)
          .channels.create({ name: body.name, relayOnly: body.relayOnly, kind: body.kind, voiceMode: body.voiceMode }),
      );
      await deps.signalling()?.publishWorkspaceEvent(workspaceId, 'channel.created', { channel });
      await deps.audit({
        type: 'channel.created',
        actorUserId: session.userId,
        workspaceId,
        details: { channelId: channel.id, name: channel.name, kind: channel.kind },
      });
      return { status: 201, body: { channel } };
    },

    async setChannelVoiceMode({ session, params, body }) {
      const workspaceId = param(params, 'workspaceId');
      const channelId = param(params, 'channelId');
      await requirePermission(store, workspaceId, session.userId, 'channels.manage');
      const channels = store.forWorkspace(workspaceId).channels;
      const before = await channels.get(channelId);
      // A text channel has no room to decide for: the same 404 as a channel that is not there.
      if (before === undefined || before.kind !== 'voice') throw notFound();
      await channels.setVoiceMode(channelId, body.voiceMode);
      const channel = channelDto({ ...before, voiceMode: body.voiceMode });
      if (before.voiceMode === body.voiceMode) return { status: 200, body: { channel } };
      await deps.audit({
        type: 'channel.voice_mode_changed',
        actorUserId: session.userId,
        workspaceId,
        details: { channelId, from: before.voiceMode, to: body.voiceMode },
      });
      const signalling = deps.signalling();
      signalling?.channelVoiceModeChanged(workspaceId, channelId, body.voiceMode);
      await signalling?.publishWorkspaceEvent(workspaceId, 'channel.updated', { channel });
      return { status: 200, body: { channel } };
    },

    async deleteChannel({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      const channelId = param(params, 'channelId');
      await requirePermission(store, workspaceId, session.userId, 'channels.manage');
      // Its name goes into the audit entry: once deleted, the id alone would say nothing to whoever reads the log.
      const channel = await store.forWorkspace(workspaceId).channels.get(channelId);
      if (channel === undefined || !(await store.forWorkspace(workspaceId).channels.delete(channelId)))
        throw notFound();
      const signalling = deps.signalling();
      signalling?.closeRoom(workspaceId, channelId);
      await signalling?.publishWorkspaceEvent(workspaceId, 'channel.deleted', { channelId });
      await deps.audit({
        type: 'channel.deleted',
        actorUserId: session.userId,
        workspaceId,
        details: { channelId, name: channel.name },
      });
      return { status: 204 };
    },
  };
}
