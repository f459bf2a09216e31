import { HttpError } from '../http/httpError';
import { outranks } from '../permissions';
import type { ApiDeps, ApiSession, EndpointHandlers } from './context';
import { notFound, requireMember, requirePermission } from './membership';

type ModerationHandlers = Pick<
  EndpointHandlers,
  'listVoiceMutes' | 'voiceMuteMember' | 'voiceUnmuteMember' | 'voiceMoveMember'
>;

/**
 * Voice moderation: server mute (stored, enforced by the relay on the media path) and moving members between voice
 * rooms or out of voice (done by the signalling server). Refusals follow the rest of the API: a workspace the caller
 * is not in, or a target who is not a member of it, is the same 404 as an id that exists nowhere; a member without
 * `voice.moderate`, or a target of the same or a higher role, is 403.
 */
export function moderationHandlers(deps: ApiDeps): ModerationHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';

  async function moderation(session: ApiSession, params: Readonly<Record<string, string>>) {
    const workspaceId = param(params, 'workspaceId');
    const actor = await requirePermission(store, workspaceId, session.userId, 'voice.moderate');
    const target = await store.forWorkspace(workspaceId).members.get(param(params, 'userId'));
    if (target === undefined) throw notFound();
    if (!outranks(actor.role, target.role)) {
      throw new HttpError(403, 'forbidden', 'You can only moderate members whose role is below yours.');
    }
    return { workspaceId, target };
  }

  async function setServerMuted(session: ApiSession, params: Readonly<Record<string, string>>, muted: boolean) {
    const { workspaceId, target } = await moderation(session, params);
    const voiceMutes = store.forWorkspace(workspaceId).voiceMutes;
    const changed = muted
      ? await voiceMutes.mute(target.userId, session.userId)
      : await voiceMutes.unmute(target.userId);
    // After the store: the relay's index never holds a mute the store does not.
    const signalling = deps.signalling();
    signalling?.setServerMuted(workspaceId, target.userId, muted);
    if (!changed) return { status: 204 } as const;
    await deps.audit({
      type: muted ? 'voice.member_muted' : 'voice.member_unmuted',
      actorUserId: session.userId,
      workspaceId,
      details: { userId: target.userId },
    });
    await signalling?.publishWorkspaceEvent(workspaceId, 'member.voiceModerated', {
      userId: target.userId,
      serverMuted: muted,
    });
    return { status: 204 } as const;
  }

  return {
    async listVoiceMutes({ session, params }) {
      const workspaceId = param(params, 'workspaceId');
      await requireMember(store, workspaceId, session.userId);
      const mutes = await store.forWorkspace(workspaceId).voiceMutes.list();
      return { status: 200, body: { userIds: mutes.map((mute) => mute.userId) } };
    },

    voiceMuteMember: ({ session, params }) => setServerMuted(session, params, true),
    voiceUnmuteMember: ({ session, params }) => setServerMuted(session, params, false),

    async voiceMoveMember({ session, params, body }) {
      const { workspaceId, target } = await moderation(session, params);
      const to = body.channelId;
      if (to !== null && (await store.forWorkspace(workspaceId).channels.get(to))?.kind !== 'voice') throw notFound();
      const results = (await deps.signalling()?.moveMember(workspaceId, target.userId, to)) ?? [];
      const moved = results.filter((result) => result.outcome === 'moved');
      if (moved.length === 0 && !results.some((result) => result.outcome === 'unchanged')) {
        if (results.some((result) => result.outcome === 'room_full')) {
          throw new HttpError(409, 'room_full', 'That voice channel is full.');
        }
        // The channel went away between the check above and the move.
        if (results.some((result) => result.outcome === 'not_found')) throw notFound();
        throw new HttpError(409, 'not_in_voice', 'That member is not in a voice channel.');
      }
      if (moved.length > 0) {
        await deps.audit({
          type: to === null ? 'voice.member_disconnected' : 'voice.member_moved',
          actorUserId: session.userId,
          workspaceId,
          details: {
            userId: target.userId,
            fromChannelIds: [...new Set(moved.map((result) => result.fromChannelId))],
            toChannelId: to,
          },
        });
      }
      return { status: 204 };
    },
  };
}
