import type { Role } from '../../../shared/rest/endpoints';
import { HttpError } from '../http/httpError';
import { rateLimitedBy } from '../http/router';
import { can } from '../permissions';
import { TimelineError } from '../timeline/timelineError';
import type { Actor } from '../timeline/timelineService';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound, requirePermission } from './membership';

type ChatHandlers = Pick<
  EndpointHandlers,
  | 'listMessages'
  | 'listMessagesBefore'
  | 'postMessage'
  | 'getMessage'
  | 'editMessage'
  | 'deleteMessage'
  | 'setReadMarker'
  | 'listUnread'
>;

/** The REST answer to a timeline refusal: unknown and invisible things are the same 404 as everywhere else. */
export function httpErrorFor(error: unknown): unknown {
  if (!(error instanceof TimelineError)) return error;
  switch (error.code) {
    case 'not_found':
      return notFound();
    case 'forbidden':
      return new HttpError(403, 'forbidden', error.message);
    case 'invalid_input':
      return new HttpError(400, 'invalid_input', error.message);
    case 'bad_attachment':
      return new HttpError(400, 'bad_attachment', error.message);
    case 'gone':
      return new HttpError(410, 'message_deleted', error.message);
  }
}

/** Runs a timeline call and answers its refusals in the REST shape. */
export async function answering<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw httpErrorFor(error);
  }
}

/** The caller as the timeline sees them: a member (checked here), moderator or not. */
export async function chatActor(deps: ApiDeps, workspaceId: string, userId: string): Promise<Actor> {
  const member = await requirePermission(deps.store, workspaceId, userId, 'chat.post');
  return { workspaceId, userId, moderator: can(member.role as Role, 'chat.moderate') };
}

/**
 * A token bucket per user and channel on top of the router's per-address and per-session ones: one member cannot
 * flood a channel however many sessions they open, and a busy channel does not cost them their other channels.
 * The buckets are the shared state's, so a member spreading posts over several nodes meets one bucket.
 */
export function perChannelLimiter(
  deps: Pick<ApiDeps, 'sharedState' | 'now'>,
  name: string,
  bucket: { burst: number; perSecond: number },
) {
  const limiter = deps.sharedState.rateLimiter({ capacity: bucket.burst, refillPerSecond: bucket.perSecond }, name);
  return async (userId: string, channelId: string): Promise<void> => {
    const decision = await limiter.take(`${userId}:${channelId}`, 1, deps.now());
    if (!decision.allowed) throw rateLimitedBy(decision);
  };
}

/** Timeline history, posts, edits, deletes, read markers and unread counts (docs/chat.md). */
export function chatHandlers(deps: ApiDeps): ChatHandlers {
  const { timeline } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';
  const chargePost = perChannelLimiter(deps, 'chat-posts', deps.config.chat.posts);

  return {
    async listMessages({ session, params }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const page = await answering(() => timeline.history(actor.workspaceId, param(params, 'channelId'), null));
      return { status: 200, body: page };
    },

    async listMessagesBefore({ session, params }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const before = param(params, 'messageId');
      const page = await answering(() => timeline.history(actor.workspaceId, param(params, 'channelId'), before));
      return { status: 200, body: page };
    },

    async postMessage({ session, params, body }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const channelId = param(params, 'channelId');
      await chargePost(session.userId, channelId);
      const message = await answering(() =>
        timeline.postMemberMessage({
          workspaceId: actor.workspaceId,
          channelId,
          userId: session.userId,
          body: body.body,
          replyTo: body.replyTo,
          attachments: body.attachments,
          nonce: body.nonce,
        }),
      );
      return { status: 201, body: { message } };
    },

    async getMessage({ session, params }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const message = await answering(() => timeline.getMessage(actor.workspaceId, param(params, 'messageId')));
      return { status: 200, body: { message } };
    },

    async editMessage({ session, params, body }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const message = await answering(() => timeline.editMessage(actor, param(params, 'messageId'), body.body));
      return { status: 200, body: { message } };
    },

    async deleteMessage({ session, params }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      await answering(() => timeline.deleteMessage(actor, param(params, 'messageId')));
      return { status: 204 };
    },

    async setReadMarker({ session, params, body }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const unread = await answering(() => timeline.markRead(actor, param(params, 'channelId'), body.messageId));
      return { status: 200, body: { unread } };
    },

    async listUnread({ session, params }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      return { status: 200, body: { channels: await timeline.unread(actor.workspaceId, actor.userId) } };
    },
  };
}
