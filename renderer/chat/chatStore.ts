import { createStore, type StoreApi } from 'zustand/vanilla';
import { postMessageBodySchema, type ChannelUnread, type FileSummary, type TimelineMessage } from '../../shared/chat';
import type { WhootApi } from '../../shared/ipc';
import { parseMarkdown, plainText } from '../../shared/markdown';
import { fail, ok, type Result } from '../../shared/result';
import { parseInput } from '../../shared/validation';
import type { WorkspaceEvent } from '../../shared/ws';
import type { ChannelsStore } from '../stores/channelsStore';
import type { SessionStore } from '../stores/sessionStore';
import type { WorkspaceStore } from '../stores/workspaceStore';
import { applyChatEvent, prependPage, upsertMessage, type ChannelTimeline } from './chatEvents';
import { downloadBytes, uploadFile } from './fileTransfer';
import type { OutboxStore } from './outboxStore';

/**
 * What the chat listens to: workspace events in sequence order (each once, replays after a reconnect included) and
 * a resync signal (events were lost: reload). The realtime hub is one; tests can pass their own.
 */
export interface ChatEventSource {
  onEvent(listener: (event: WorkspaceEvent) => void): () => void;
  onResync(listener: () => void): () => void;
}

export interface UploadProgress {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly sent: number;
  readonly state: 'sending' | 'failed';
  readonly error: string | null;
}

export interface ChatState {
  readonly workspaceId: string | null;
  /** The channel whose timeline is open. */
  readonly channelId: string | null;
  readonly timelines: Readonly<Record<string, ChannelTimeline>>;
  readonly unread: Readonly<Record<string, ChannelUnread>>;
  /** The unread divider goes after this message: the reader's marker when the channel was opened. */
  readonly dividerAfter: string | null;
  /** Files uploaded for the next message. */
  readonly pending: readonly FileSummary[];
  readonly uploads: readonly UploadProgress[];
  /** Whether the open channel is on screen and scrolled to its newest message (the view says so). */
  readonly reading: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  open(channelId: string | null): Promise<void>;
  loadOlder(): Promise<void>;
  /**
   * Checks the message and hands it to the outbox (with the files uploaded for it); answers its nonce. The outbox
   * sends it when it can, and `showSent` puts the server's copy in the timeline.
   */
  send(body: string): Promise<Result<string>>;
  /** A message of ours the server confirmed (the outbox's answer): shown in its channel at once. */
  showSent(message: TimelineMessage): void;
  edit(messageId: string, body: string): Promise<Result<unknown>>;
  remove(messageId: string): Promise<Result<unknown>>;
  removeFile(fileId: string): Promise<Result<unknown>>;
  attach(files: readonly (Blob & { readonly name: string })[]): Promise<void>;
  dropPending(fileId: string): void;
  setReading(reading: boolean): void;
  saveFile(file: FileSummary): Promise<Result<unknown>>;
  /** A preview's bytes, fetched by the app (images are decoded from these, never loaded from a URL). */
  fileBytes(file: FileSummary, maxBytes: number): Promise<Result<Uint8Array>>;
  clearError(): void;
}

export type ChatStore = StoreApi<ChatState>;

/** A message's author as people see it: a member's display name or an input's own name. */
export function authorName(
  message: TimelineMessage,
  members: Readonly<Record<string, { readonly displayName: string } | undefined>>,
): string {
  if (message.author.kind === 'input') return message.author.name;
  return members[message.author.userId]?.displayName ?? 'Former member';
}

/**
 * The chat of the selected workspace: timelines loaded page by page over IPC, kept current by workspace events,
 * unread counts and the read marker, uploads in progress, and the mention notification. Main makes every call.
 */
export function createChatStore(deps: {
  readonly api: WhootApi;
  readonly events: ChatEventSource;
  readonly workspace: WorkspaceStore;
  readonly channels: ChannelsStore;
  readonly session: SessionStore;
  readonly outbox: OutboxStore;
  /** Whether the page has the focus (document.hasFocus in the page). */
  readonly focused: () => boolean;
}): { store: ChatStore; dispose: () => void } {
  const { api } = deps;
  let generation = 0;
  let uploadSeq = 0;
  /** One older page at a time: a reader at the top fires many scroll events while it loads. */
  let loadingOlder = false;
  const cancelledUploads = new Set<string>();
  const selfId = () => {
    const session = deps.session.getState().session;
    return session.signedIn ? session.user.id : null;
  };

  const store = createStore<ChatState>()((set, get) => {
    const target = () => {
      const { workspaceId, channelId } = get();
      return workspaceId === null || channelId === null ? null : { workspaceId, channelId };
    };

    async function loadLatest(workspaceId: string, channelId: string): Promise<void> {
      const mine = ++generation;
      set({ loading: true });
      const [page, unread] = await Promise.all([
        api.chat.history({ workspaceId, channelId, before: null }),
        api.chat.unread({ workspaceId }),
      ]);
      if (mine !== generation || get().workspaceId !== workspaceId) return;
      if (!page.ok) {
        set({ loading: false, error: page.error.message });
        return;
      }
      const counts = unread.ok ? Object.fromEntries(unread.value.channels.map((c) => [c.channelId, c])) : get().unread;
      set({
        loading: false,
        error: null,
        unread: counts,
        dividerAfter: counts[channelId]?.unread ? (counts[channelId]?.lastReadMessageId ?? null) : null,
        timelines: { ...get().timelines, [channelId]: { messages: page.value.messages, hasMore: page.value.hasMore } },
      });
      markReadSoon();
    }

    return {
      workspaceId: null,
      channelId: null,
      timelines: {},
      unread: {},
      dividerAfter: null,
      pending: [],
      uploads: [],
      reading: false,
      loading: false,
      error: null,

      async open(channelId) {
        if (channelId === get().channelId) return;
        set({ channelId, dividerAfter: null, pending: [], error: null });
        const workspaceId = get().workspaceId;
        if (workspaceId !== null && channelId !== null) await loadLatest(workspaceId, channelId);
      },

      async loadOlder() {
        if (loadingOlder) return;
        const where = target();
        const timeline = where === null ? undefined : get().timelines[where.channelId];
        const oldest = timeline?.messages[0];
        if (where === null || timeline === undefined || !timeline.hasMore || oldest === undefined) return;
        loadingOlder = true;
        const page = await api.chat.history({ ...where, before: oldest.id }).finally(() => (loadingOlder = false));
        if (!page.ok) return set({ error: page.error.message });
        const current = get().timelines[where.channelId];
        if (current === undefined) return;
        set({
          timelines: {
            ...get().timelines,
            [where.channelId]: {
              messages: prependPage(current.messages, page.value.messages),
              hasMore: page.value.hasMore,
            },
          },
        });
      },

      async send(body) {
        const where = target();
        if (where === null) return fail('no_channel', 'Open a channel first.');
        const files = get().pending;
        // Checked here, before it is queued: a message the server would refuse stays in the composer, with why.
        const checked = parseInput(
          postMessageBodySchema,
          { body, attachments: files.map((file) => file.id) },
          'message',
        );
        if (!checked.ok) {
          set({ error: checked.error.message });
          return checked;
        }
        const queued = deps.outbox.getState().enqueue({ ...where, body: checked.value.body, attachments: files });
        if (!queued.ok) {
          set({ error: queued.error.message });
          return queued;
        }
        set({ pending: [], dividerAfter: null, error: null });
        return queued;
      },

      showSent(message) {
        applyLocal(message);
      },

      async edit(messageId, body) {
        const workspaceId = get().workspaceId;
        if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
        const edited = await api.chat.edit({ workspaceId, messageId, body });
        if (!edited.ok) set({ error: edited.error.message });
        else applyLocal(edited.value.message);
        return edited;
      },

      async remove(messageId) {
        const workspaceId = get().workspaceId;
        if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
        const removed = await api.chat.delete({ workspaceId, messageId });
        if (!removed.ok) set({ error: removed.error.message });
        return removed;
      },

      async removeFile(fileId) {
        const workspaceId = get().workspaceId;
        if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
        // The server sends the carrying message again without the file (message.edited); that updates the view.
        const removed = await api.files.remove({ workspaceId, fileId });
        if (!removed.ok) set({ error: removed.error.message });
        return removed;
      },

      async attach(files) {
        const where = target();
        if (where === null) return;
        await Promise.all(
          files.map(async (file) => {
            const id = `upload-${++uploadSeq}`;
            const progress: UploadProgress = {
              id,
              name: file.name,
              size: file.size,
              sent: 0,
              state: 'sending',
              error: null,
            };
            set({ uploads: [...get().uploads, progress] });
            const update = (patch: Partial<UploadProgress>) =>
              set({ uploads: get().uploads.map((upload) => (upload.id === id ? { ...upload, ...patch } : upload)) });
            const result = await uploadFile(
              api,
              where,
              file,
              (sent) => update({ sent }),
              () => cancelledUploads.has(id),
            );
            if (result.ok) {
              set({
                uploads: get().uploads.filter((upload) => upload.id !== id),
                pending: [...get().pending, result.value],
              });
            } else {
              update({ state: 'failed', error: result.error.message });
            }
          }),
        );
      },

      dropPending(fileId) {
        set({ pending: get().pending.filter((file) => file.id !== fileId) });
      },

      setReading(reading) {
        if (reading === get().reading) return;
        set({ reading });
        if (reading) markReadSoon();
      },

      async saveFile(file) {
        const workspaceId = get().workspaceId;
        if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
        return api.files.save({ workspaceId, fileId: file.id, name: file.name });
      },

      async fileBytes(file, maxBytes) {
        const workspaceId = get().workspaceId;
        if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
        const fetched = await downloadBytes(api, { workspaceId, fileId: file.id }, maxBytes);
        return fetched.ok ? ok(fetched.value.bytes) : fetched;
      },

      clearError() {
        set({ error: null });
      },
    };
  });

  function applyLocal(message: TimelineMessage): void {
    const timeline = store.getState().timelines[message.channelId];
    if (timeline === undefined) return;
    store.setState({
      timelines: {
        ...store.getState().timelines,
        [message.channelId]: { ...timeline, messages: upsertMessage(timeline.messages, message) },
      },
    });
  }

  /** Moves the marker to the newest loaded message once the reader is looking at it (coalesced). */
  let markTimer: ReturnType<typeof setTimeout> | null = null;
  function markReadSoon(): void {
    if (markTimer !== null) return;
    markTimer = setTimeout(() => {
      markTimer = null;
      const { workspaceId, channelId, reading, timelines, unread } = store.getState();
      if (workspaceId === null || channelId === null || !reading || !deps.focused()) return;
      const newest = timelines[channelId]?.messages.at(-1);
      if (newest === undefined || unread[channelId]?.lastReadMessageId === newest.id) return;
      store.setState({
        unread: { ...unread, [channelId]: { channelId, unread: 0, mentions: 0, lastReadMessageId: newest.id } },
      });
      void api.chat.markRead({ workspaceId, channelId, messageId: newest.id });
    }, 300);
  }

  async function reloadUnread(): Promise<void> {
    const workspaceId = store.getState().workspaceId;
    if (workspaceId === null) return;
    const unread = await api.chat.unread({ workspaceId });
    if (unread.ok && store.getState().workspaceId === workspaceId) {
      store.setState({ unread: Object.fromEntries(unread.value.channels.map((c) => [c.channelId, c])) });
    }
  }

  function notifyMention(message: TimelineMessage): void {
    const self = selfId();
    if (self === null || !message.mentions.includes(self)) return;
    if (message.author.kind === 'member' && message.author.userId === self) return;
    const channel = deps.channels.getState().channels.find((known) => known.id === message.channelId);
    const name = authorName(message, deps.channels.getState().members);
    const text = plainText(parseMarkdown(message.body)).replace(/\s+/g, ' ').trim();
    void api.chat.notify({
      title: `${name} mentioned you${channel ? ` in #${channel.name}` : ''}`.slice(0, 100),
      body: text.length > 280 ? `${text.slice(0, 279)}…` : text,
    });
  }

  function follow(workspaceId: string | null): void {
    if (workspaceId === store.getState().workspaceId) return;
    generation += 1;
    store.setState({ workspaceId, channelId: null, timelines: {}, unread: {}, dividerAfter: null, pending: [] });
    if (workspaceId !== null) void reloadUnread();
  }

  const unsubscribers = [
    deps.workspace.subscribe((state) => follow(state.selectedId)),
    deps.events.onEvent((event) => {
      const state = store.getState();
      if (event.workspaceId !== state.workspaceId) return;
      if (event.type === 'readMarker.updated') {
        // Another of our own devices read on: its counts are the truth now.
        void reloadUnread();
        return;
      }
      const readingChannelId = state.reading && deps.focused() ? state.channelId : null;
      const next = applyChatEvent(state, event, { selfId: selfId(), readingChannelId });
      if (next !== null) store.setState(next);
      if (event.type === 'message.posted') {
        notifyMention(event.payload.message);
        if (event.payload.message.channelId === readingChannelId) markReadSoon();
      }
    }),
    deps.events.onResync(() => {
      const { workspaceId, channelId } = store.getState();
      store.setState({ timelines: {} });
      if (workspaceId !== null && channelId !== null) {
        store.setState({ channelId: null });
        void store.getState().open(channelId);
      } else {
        void reloadUnread();
      }
    }),
  ];
  follow(deps.workspace.getState().selectedId);

  return {
    store,
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      if (markTimer !== null) clearTimeout(markTimer);
    },
  };
}
