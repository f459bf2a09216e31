import type { ChannelUnread, TimelineMessage } from '../../shared/chat';
import type { WorkspaceEvent } from '../../shared/ws';

/** One channel's loaded stretch of timeline: the newest messages and as many older pages as were asked for. */
export interface ChannelTimeline {
  /** Oldest first; each id once. */
  readonly messages: readonly TimelineMessage[];
  readonly hasMore: boolean;
}

export interface TimelineSlice {
  readonly timelines: Readonly<Record<string, ChannelTimeline>>;
  readonly unread: Readonly<Record<string, ChannelUnread>>;
}

export interface ChatEventContext {
  readonly selfId: string | null;
  /** The channel on screen and read as it arrives (open, window focused, scrolled to the end). */
  readonly readingChannelId: string | null;
}

/** Inserts or replaces by id, keeping posting order (events arrive in it; a replaced message keeps its place). */
export function upsertMessage(messages: readonly TimelineMessage[], message: TimelineMessage): TimelineMessage[] {
  const index = messages.findIndex((known) => known.id === message.id);
  if (index === -1) return [...messages, message];
  const next = [...messages];
  next[index] = message;
  return next;
}

/** Prepends an older page, skipping any message already loaded (a page may overlap live events). */
export function prependPage(
  messages: readonly TimelineMessage[],
  older: readonly TimelineMessage[],
): TimelineMessage[] {
  const known = new Set(messages.map((message) => message.id));
  return [...older.filter((message) => !known.has(message.id)), ...messages];
}

const isOwn = (message: TimelineMessage, selfId: string | null) =>
  message.author.kind === 'member' && message.author.userId === selfId;

/**
 * Applies one workspace event to the loaded timelines and unread counts. Events replayed after a reconnect can
 * repeat what a history page already holds: every change is by message id, so applying one twice changes nothing.
 */
export function applyChatEvent(
  state: TimelineSlice,
  event: WorkspaceEvent,
  context: ChatEventContext,
): Partial<TimelineSlice> | null {
  switch (event.type) {
    case 'message.posted':
    case 'message.edited': {
      const { message } = event.payload;
      const timeline = state.timelines[message.channelId];
      const known = timeline?.messages.some((loaded) => loaded.id === message.id) ?? false;
      const timelines =
        timeline === undefined
          ? state.timelines
          : {
              ...state.timelines,
              [message.channelId]: { ...timeline, messages: upsertMessage(timeline.messages, message) },
            };
      if (event.type === 'message.edited' || known || isOwn(message, context.selfId)) return { timelines };
      if (context.readingChannelId === message.channelId) return { timelines };
      const counts = state.unread[message.channelId] ?? {
        channelId: message.channelId,
        unread: 0,
        mentions: 0,
        lastReadMessageId: null,
      };
      const mentioned = context.selfId !== null && message.mentions.includes(context.selfId);
      return {
        timelines,
        unread: {
          ...state.unread,
          [message.channelId]: {
            ...counts,
            unread: counts.unread + 1,
            mentions: counts.mentions + (mentioned ? 1 : 0),
          },
        },
      };
    }
    case 'message.deleted': {
      const { channelId, messageId } = event.payload;
      const timeline = state.timelines[channelId];
      if (timeline === undefined) return null;
      const messages = timeline.messages.filter((message) => message.id !== messageId);
      return { timelines: { ...state.timelines, [channelId]: { ...timeline, messages } } };
    }
    case 'channel.deleted': {
      const { [event.payload.channelId]: _timeline, ...timelines } = state.timelines;
      const { [event.payload.channelId]: _unread, ...unread } = state.unread;
      return { timelines, unread };
    }
    default:
      return null;
  }
}
