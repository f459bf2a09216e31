import {
  HISTORY_PAGE_MAX,
  mentionedUserIds,
  messageBodySchema,
  nonEmptyMessageBodySchema,
  type ChannelUnread,
  type HistoryPage,
  type TimelineMessage,
} from '../../../shared/chat';
import { randomIdSchema } from '../../../shared/identifiers';
import { parseInput } from '../../../shared/validation';
import type { WorkspaceEventPayload, WorkspaceEventType } from '../../../shared/ws';
import type { MessageAuthorRecord, Store, StoredMessage } from '../store';
import { timelineMessage } from './messageDto';
import { TimelineError } from './timelineError';

/** Stores an event (giving it its sequence number) and delivers it: the signalling server's publishWorkspaceEvent. */
export type PublishWorkspaceEvent = <T extends WorkspaceEventType>(
  workspaceId: string,
  type: T,
  payload: WorkspaceEventPayload<T>,
) => Promise<unknown>;

export interface TimelineServiceDeps {
  readonly store: Store;
  readonly publish: PublishWorkspaceEvent;
}

export interface InputMessage {
  readonly workspaceId: string;
  readonly channelId: string;
  /** The inbound webhook input that posts (issue 6 creates and authenticates them). */
  readonly inputId: string;
  /** The name the input shows as its author. */
  readonly inputName: string;
  readonly body: string;
}

export interface MemberPost {
  readonly workspaceId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly body: string;
  readonly replyTo?: string | undefined;
  readonly attachments?: readonly string[];
  /** The app's id for this post, repeated on every retry of it. */
  readonly nonce?: string | undefined;
}

/** Who acts, and whether their role moderates the timeline (permissions.ts, 'chat.moderate'). */
export interface Actor {
  readonly workspaceId: string;
  readonly userId: string;
  readonly moderator: boolean;
}

export type TimelineService = ReturnType<typeof createTimelineService>;

const notFound = () => new TimelineError('not_found', 'Not found.');

/**
 * The channel timeline: one per channel, fed by members (REST) and by inbound webhook inputs alike. Every change is
 * stored first (bodies sealed) and then published as a workspace event with a sequence number, so a client that
 * was offline replays exactly what it missed. Membership is the caller's to check (the REST handlers do, an input
 * is bound to its workspace); what is checked here is what belongs to the timeline: channels, ownership, bodies.
 */
export function createTimelineService(deps: TimelineServiceDeps) {
  const { store, publish } = deps;

  async function mentionsIn(workspaceId: string, body: string): Promise<string[]> {
    if (!body.includes('@')) return [];
    const members = await store.forWorkspace(workspaceId).members.list();
    return mentionedUserIds(body, members);
  }

  /** The body as stored: line breaks normalised; empty only beside attachments. */
  function validBody(body: string, allowEmpty: boolean): string {
    const schema = allowEmpty ? messageBodySchema : nonEmptyMessageBodySchema;
    const parsed = parseInput(schema, body, 'message body');
    if (!parsed.ok) throw new TimelineError('invalid_input', parsed.error.message);
    return parsed.value;
  }

  async function append(
    workspaceId: string,
    input: {
      channelId: string;
      author: MessageAuthorRecord;
      body: string;
      replyTo?: string | undefined;
      attachments: readonly string[];
      nonce?: string | undefined;
    },
  ): Promise<TimelineMessage> {
    if (!randomIdSchema.safeParse(input.channelId).success) throw notFound();
    const mentions = await mentionsIn(workspaceId, input.body);
    const messages = store.forWorkspace(workspaceId).messages;
    const posted = await messages.post({
      channelId: input.channelId,
      author: input.author,
      body: input.body,
      ...(input.replyTo === undefined ? {} : { replyTo: input.replyTo }),
      mentions,
      attachments: input.attachments,
      ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    });
    if (!posted.ok && posted.error.code === 'duplicate_nonce' && input.author.kind === 'member') {
      return repeated(await messages.byNonce(input.author.userId, input.nonce ?? ''), input.channelId);
    }
    if (!posted.ok) {
      if (posted.error.code === 'unknown_channel') throw notFound();
      if (posted.error.code === 'unknown_reply') throw new TimelineError('invalid_input', posted.error.message);
      throw new TimelineError('bad_attachment', posted.error.message);
    }
    const message = timelineMessage(posted.value);
    await publish(workspaceId, 'message.posted', { message });
    return message;
  }

  /**
   * A retry of a post that was stored already (its answer was lost): the same message again, published once only.
   * The nonce names one post; sending it with another channel is a client's mistake, refused.
   */
  function repeated(first: StoredMessage | undefined, channelId: string): TimelineMessage {
    if (first === undefined || first.channelId !== channelId) {
      throw new TimelineError('invalid_input', 'This nonce was already used for another message.');
    }
    if (first.body === null) throw new TimelineError('gone', 'This message was posted and has since been deleted.');
    return timelineMessage(first);
  }

  async function liveMessage(workspaceId: string, messageId: string): Promise<StoredMessage> {
    if (!randomIdSchema.safeParse(messageId).success) throw notFound();
    const message = await store.forWorkspace(workspaceId).messages.get(messageId);
    if (message === undefined || message.body === null) throw notFound();
    return message;
  }

  async function requireChannel(workspaceId: string, channelId: string): Promise<void> {
    if (!randomIdSchema.safeParse(channelId).success) throw notFound();
    if ((await store.forWorkspace(workspaceId).channels.get(channelId)) === undefined) throw notFound();
  }

  const isAuthor = (message: StoredMessage, userId: string) =>
    message.author.kind === 'member' && message.author.userId === userId;

  return {
    /**
     * What an inbound webhook input posts: stored (sealed) and published exactly like a member's message, with the
     * input as its author. Throws TimelineError: `not_found` for a channel that is not in the workspace,
     * `invalid_input` for a body the timeline refuses (empty, too long, control or bidi override characters).
     */
    async appendInputMessage(input: InputMessage): Promise<TimelineMessage> {
      const body = validBody(input.body, false);
      const name = input.inputName.trim();
      if (name === '' || name.length > 64 || !randomIdSchema.safeParse(input.inputId).success) {
        throw new TimelineError('invalid_input', 'An input needs a random id and a name of 1 to 64 characters.');
      }
      return append(input.workspaceId, {
        channelId: input.channelId,
        author: { kind: 'input', inputId: input.inputId, name },
        body,
        attachments: [],
      });
    },

    /** A member's post; attachments are files that member uploaded to this channel and no message carries yet. */
    async postMemberMessage(post: MemberPost): Promise<TimelineMessage> {
      const attachments = post.attachments ?? [];
      return append(post.workspaceId, {
        channelId: post.channelId,
        author: { kind: 'member', userId: post.userId },
        body: validBody(post.body, attachments.length > 0),
        replyTo: post.replyTo,
        attachments,
        nonce: post.nonce,
      });
    },

    async getMessage(workspaceId: string, messageId: string): Promise<TimelineMessage> {
      return timelineMessage(await liveMessage(workspaceId, messageId));
    },

    /** Authors edit their own messages; nobody edits anyone else's (moderators delete instead). */
    async editMessage(actor: Actor, messageId: string, body: string): Promise<TimelineMessage> {
      const message = await liveMessage(actor.workspaceId, messageId);
      if (!isAuthor(message, actor.userId)) throw new TimelineError('forbidden', 'Only its author can edit a message.');
      const text = validBody(body, false);
      const edited = await store
        .forWorkspace(actor.workspaceId)
        .messages.edit(messageId, text, await mentionsIn(actor.workspaceId, text));
      if (edited === undefined) throw notFound();
      const dto = timelineMessage(edited);
      await publish(actor.workspaceId, 'message.edited', { message: dto });
      return dto;
    },

    /** Authors delete their own messages, moderators any; the message's files (rows and blobs) go with it. */
    async deleteMessage(actor: Actor, messageId: string): Promise<void> {
      const message = await liveMessage(actor.workspaceId, messageId);
      if (!isAuthor(message, actor.userId) && !actor.moderator) {
        throw new TimelineError('forbidden', 'Only its author or a moderator can delete a message.');
      }
      const removed = await store.forWorkspace(actor.workspaceId).messages.delete(messageId, actor.userId);
      if (removed === undefined) throw notFound();
      await publish(actor.workspaceId, 'message.deleted', { channelId: message.channelId, messageId });
    },

    /**
     * Removes a file for good (row and blob): its uploader or a moderator. A message that carried it is sent again
     * without it, so every client drops the attachment.
     */
    async removeFile(actor: Actor, fileId: string): Promise<void> {
      if (!randomIdSchema.safeParse(fileId).success) throw notFound();
      const files = store.forWorkspace(actor.workspaceId).files;
      const file = await files.get(fileId);
      if (file === undefined) throw notFound();
      if (file.uploaderId !== actor.userId && !actor.moderator) {
        throw new TimelineError('forbidden', 'Only its uploader or a moderator can remove a file.');
      }
      const removed = await files.remove(fileId);
      if (removed === undefined) throw notFound();
      if (removed.messageId === null) return;
      const message = await store.forWorkspace(actor.workspaceId).messages.get(removed.messageId);
      if (message?.body != null) {
        await publish(actor.workspaceId, 'message.edited', { message: timelineMessage(message) });
      }
    },

    /** Newest messages, or those before a cursor message of the same channel; at most HISTORY_PAGE_MAX. */
    async history(workspaceId: string, channelId: string, before: string | null): Promise<HistoryPage> {
      await requireChannel(workspaceId, channelId);
      if (before !== null && !randomIdSchema.safeParse(before).success) throw notFound();
      const page = await store.forWorkspace(workspaceId).messages.page(channelId, before, HISTORY_PAGE_MAX);
      if (page === undefined) throw notFound();
      return { messages: page.messages.map(timelineMessage), hasMore: page.hasMore };
    },

    /** Moves the reader's marker forward; only the reader's own connections hear of it (readMarker.updated). */
    async markRead(actor: Actor, channelId: string, messageId: string): Promise<ChannelUnread> {
      await requireChannel(actor.workspaceId, channelId);
      if (!randomIdSchema.safeParse(messageId).success) throw notFound();
      const unread = await store.forWorkspace(actor.workspaceId).messages.markRead(actor.userId, channelId, messageId);
      if (unread === undefined) throw notFound();
      if (unread.lastReadMessageId !== null) {
        await publish(actor.workspaceId, 'readMarker.updated', {
          userId: actor.userId,
          channelId,
          lastReadMessageId: unread.lastReadMessageId,
        });
      }
      return unread;
    },

    async unread(workspaceId: string, userId: string): Promise<ChannelUnread[]> {
      return store.forWorkspace(workspaceId).messages.unread(userId);
    },
  };
}
