import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TimelineMessage } from '../../shared/chat';
import type { WorkspaceEvent } from '../../shared/ws';
import { applyChatEvent, prependPage, type TimelineSlice } from './chatEvents';

const workspaceId = randomUUID();
const general = randomUUID();
const other = randomUUID();
const self = randomUUID();
const ada = randomUUID();
let seq = 0;

function message(channelId: string, author: string, body: string, mentions: string[] = []): TimelineMessage {
  return {
    id: randomUUID(),
    workspaceId,
    channelId,
    author: { kind: 'member', userId: author },
    body,
    createdAt: 1,
    editedAt: null,
    replyTo: null,
    mentions,
    attachments: [],
  };
}

const event = <T extends WorkspaceEvent['type']>(type: T, payload: Extract<WorkspaceEvent, { type: T }>['payload']) =>
  ({ id: randomUUID(), seq: ++seq, workspaceId, type, at: 1, payload }) as WorkspaceEvent;

function apply(state: TimelineSlice, events: WorkspaceEvent[], readingChannelId: string | null = null): TimelineSlice {
  return events.reduce<TimelineSlice>(
    (current, next) => ({ ...current, ...applyChatEvent(current, next, { selfId: self, readingChannelId }) }),
    state,
  );
}

describe('chat events', () => {
  it('appends to loaded timelines once, replaces edits in place, drops deletes', () => {
    const first = message(general, ada, 'one');
    const second = message(general, ada, 'two');
    const posted = event('message.posted', { message: first });
    let state = apply({ timelines: { [general]: { messages: [], hasMore: false } }, unread: {} }, [
      posted,
      event('message.posted', { message: second }),
      posted,
      event('message.edited', { message: { ...first, body: 'one, edited', editedAt: 2 } }),
    ]);
    expect(state.timelines[general]?.messages.map((m) => m.body)).toEqual(['one, edited', 'two']);
    state = apply(state, [event('message.deleted', { channelId: general, messageId: first.id })]);
    expect(state.timelines[general]?.messages.map((m) => m.body)).toEqual(['two']);
  });

  it('counts unread and mentions for channels not being read, never the reader’s own messages', () => {
    const state = apply(
      { timelines: {}, unread: {} },
      [
        event('message.posted', { message: message(other, ada, 'hi') }),
        event('message.posted', { message: message(other, ada, 'hey @me', [self]) }),
        event('message.posted', { message: message(other, self, 'mine') }),
        event('message.posted', { message: message(general, ada, 'read as it arrives') }),
      ],
      general,
    );
    expect(state.unread[other]).toMatchObject({ unread: 2, mentions: 1 });
    expect(state.unread[general]).toBeUndefined();
  });

  it('merges an older page without repeating messages a live event already brought', () => {
    const a = message(general, ada, 'a');
    const b = message(general, ada, 'b');
    const c = message(general, ada, 'c');
    expect(prependPage([b, c], [a, b]).map((m) => m.body)).toEqual(['a', 'b', 'c']);
  });
});
