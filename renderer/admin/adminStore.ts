import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AuditChain, AuditEntryView, AuditPerson, InviteSummary } from '../../shared/admin';
import type { ApiToken } from '../../shared/apiTokens';
import type { Input, InputRequest } from '../../shared/inboundInputs';
import type { ResponseOf, WhootApi } from '../../shared/ipc';
import type { Result, WhootError } from '../../shared/result';
import type { Webhook, WebhookDelivery, WebhookEventType } from '../../shared/webhookEvents';
import type { WorkspaceStore } from '../stores/workspaceStore';

export const adminTabs = [
  'members',
  'invites',
  'channels',
  'webhooks',
  'inputs',
  'tokens',
  'sessions',
  'audit',
  // Its own store (ssoSettingsStore.ts): the section loads itself.
  'sso',
] as const;
export type AdminTab = (typeof adminTabs)[number];

type Member = ResponseOf<'admin.members'>['members'][number];
type Channel = ResponseOf<'workspace.channels'>['channels'][number];

/** Something the server shows once (a signing secret, an API token, an invite link): kept until dismissed. */
export interface Revealed {
  readonly label: string;
  /** The same in running words, for its Copy button and the announcement ("API token copied."). */
  readonly what: string;
  readonly value: string;
}

/** A page of the audit log: entries newest first, the people they mention by name, and the chain's state. */
export interface AuditPage {
  readonly entries: readonly AuditEntryView[];
  readonly people: readonly AuditPerson[];
  readonly chain: AuditChain;
}

export interface AdminState {
  readonly tab: AdminTab;
  readonly loading: boolean;
  readonly error: WhootError | null;
  readonly members: readonly Member[];
  readonly invites: readonly InviteSummary[];
  readonly channels: readonly Channel[];
  readonly webhooks: readonly Webhook[];
  readonly deliveries: { readonly webhookId: string; readonly list: readonly WebhookDelivery[] } | null;
  readonly inputs: readonly Input[];
  readonly inputRequests: { readonly inputId: string; readonly list: readonly InputRequest[] } | null;
  readonly tokens: readonly ApiToken[];
  readonly audit: AuditPage | null;
  readonly revealed: Revealed | null;
  /** Whether the console has been shown: only then does a change of workspace read it again. */
  readonly opened: boolean;
  open(tab: AdminTab): Promise<void>;
  reload(): Promise<void>;
  dismissRevealed(): void;
  setRole(userId: string, role: Member['role']): Promise<void>;
  removeMember(userId: string): Promise<void>;
  createInvite(role: 'admin' | 'member', maxUses: number): Promise<void>;
  revokeInvite(inviteId: string): Promise<void>;
  createChannel(name: string, kind: 'voice' | 'text'): Promise<void>;
  deleteChannel(channelId: string): Promise<void>;
  createWebhook(url: string, events: readonly WebhookEventType[], description: string): Promise<void>;
  setWebhookEnabled(webhookId: string, enabled: boolean): Promise<void>;
  deleteWebhook(webhookId: string): Promise<void>;
  rotateWebhookSecret(webhookId: string): Promise<void>;
  showDeliveries(webhookId: string): Promise<void>;
  redeliver(webhookId: string, eventId: string): Promise<void>;
  createInput(input: { name: string; channelId: string; ephemeral: boolean; requireToken: boolean }): Promise<void>;
  setInputEnabled(inputId: string, enabled: boolean): Promise<void>;
  deleteInput(inputId: string): Promise<void>;
  showInputRequests(inputId: string): Promise<void>;
  createToken(name: string): Promise<void>;
  revokeToken(tokenId: string): Promise<void>;
}

export type AdminStore = StoreApi<AdminState>;

/**
 * The admin console's data for the selected workspace, one tab at a time. Every read and change is an IPC call
 * that main turns into a signed request; the server decides what this user may see and do, and its refusals are
 * shown as they come.
 */
export function createAdminStore(api: WhootApi, workspace: WorkspaceStore): AdminStore {
  const store = createStore<AdminState>()((set, get) => {
    const workspaceId = () => workspace.getState().selectedId;

    /** Runs one call; a failure becomes the visible error and the value is undefined. */
    async function attempt<T>(call: () => Promise<Result<T>>): Promise<T | undefined> {
      let result: Result<T>;
      try {
        result = await call();
      } catch {
        set({ error: { code: 'request_failed', message: 'The main process of the app did not answer.' } });
        return undefined;
      }
      if (!result.ok) {
        set({ error: result.error });
        return undefined;
      }
      return result.value;
    }

    async function load(tab: AdminTab): Promise<void> {
      const id = workspaceId();
      // The sessions tab shows the account's own sessions (renderer/account/accountStore.ts loads them).
      if (id === null || tab === 'sessions') return;
      const ws = { workspaceId: id ?? '' };
      switch (tab) {
        case 'members': {
          const value = await attempt(() => api.admin.members(ws));
          if (value) set({ members: value.members });
          return;
        }
        case 'invites': {
          const value = await attempt(() => api.admin.invites(ws));
          if (value) set({ invites: [...value.invites].reverse() });
          return;
        }
        case 'channels': {
          const value = await attempt(() => api.workspace.channels(ws));
          if (value) set({ channels: value.channels });
          return;
        }
        case 'webhooks': {
          const value = await attempt(() => api.admin.webhooks(ws));
          if (value) set({ webhooks: value.webhooks });
          const open = get().deliveries;
          if (open !== null) await showDeliveries(open.webhookId);
          return;
        }
        case 'inputs': {
          const [inputs, channels] = await Promise.all([
            attempt(() => api.admin.inputs(ws)),
            attempt(() => api.workspace.channels(ws)),
          ]);
          if (inputs) set({ inputs: inputs.inputs });
          if (channels) set({ channels: channels.channels });
          return;
        }
        case 'tokens': {
          const value = await attempt(() => api.admin.apiTokens(ws));
          if (value) set({ tokens: value.tokens });
          return;
        }
        case 'audit': {
          // The lists name what entries mention (a channel, a token, a webhook, an input). They are a nicety: an
          // entry whose thing cannot be read is still shown, by kind and short id, so their failures stay quiet.
          const quiet = <T>(call: () => Promise<Result<T>>) =>
            call().then(
              (result) => (result.ok ? result.value : undefined),
              () => undefined,
            );
          const [value, channels, tokens, webhooks, inputs] = await Promise.all([
            attempt(() => api.admin.audit(ws)),
            quiet(() => api.workspace.channels(ws)),
            quiet(() => api.admin.apiTokens(ws)),
            quiet(() => api.admin.webhooks(ws)),
            quiet(() => api.admin.inputs(ws)),
          ]);
          if (channels) set({ channels: channels.channels });
          if (tokens) set({ tokens: tokens.tokens });
          if (webhooks) set({ webhooks: webhooks.webhooks });
          if (inputs) set({ inputs: inputs.inputs });
          if (value) set({ audit: value });
          return;
        }
        case 'sso':
          return;
      }
    }

    async function reload(): Promise<void> {
      set({ loading: true, error: null, opened: true });
      try {
        await load(get().tab);
      } finally {
        set({ loading: false });
      }
    }

    /** A change, then a fresh read of the tab so the list shows what the server now holds. */
    async function change<T>(call: (workspaceId: string) => Promise<Result<T>>, after?: (value: T) => void) {
      const id = workspaceId();
      if (id === null) return;
      set({ error: null });
      const value = await attempt(() => call(id));
      if (value !== undefined) after?.(value);
      await load(get().tab);
    }

    async function showDeliveries(webhookId: string): Promise<void> {
      const id = workspaceId();
      if (id === null) return;
      const value = await attempt(() => api.admin.webhookDeliveries({ workspaceId: id, webhookId }));
      if (value) set({ deliveries: { webhookId, list: value.deliveries } });
    }

    return {
      tab: 'members',
      loading: false,
      error: null,
      members: [],
      invites: [],
      channels: [],
      webhooks: [],
      deliveries: null,
      inputs: [],
      inputRequests: null,
      tokens: [],
      audit: null,
      revealed: null,
      opened: false,
      async open(tab) {
        set({ tab, revealed: null, deliveries: null, inputRequests: null });
        await reload();
      },
      reload,
      dismissRevealed() {
        set({ revealed: null });
      },
      setRole: (userId, role) => change((id) => api.admin.setRole({ workspaceId: id, userId, role })),
      removeMember: (userId) => change((id) => api.admin.removeMember({ workspaceId: id, userId })),
      createInvite: (role, maxUses) =>
        change(
          (id) => api.admin.createInvite({ workspaceId: id, role, maxUses }),
          (value) => set({ revealed: { label: 'Invite link', what: 'invite link', value: value.link } }),
        ),
      revokeInvite: (inviteId) => change((id) => api.admin.revokeInvite({ workspaceId: id, inviteId })),
      createChannel: (name, kind) => change((id) => api.admin.createChannel({ workspaceId: id, name, kind })),
      deleteChannel: (channelId) => change((id) => api.admin.deleteChannel({ workspaceId: id, channelId })),
      createWebhook: (url, events, description) =>
        change(
          (id) => api.admin.createWebhook({ workspaceId: id, url, events: [...events], description }),
          (value) => set({ revealed: { label: 'Signing secret', what: 'signing secret', value: value.secret } }),
        ),
      setWebhookEnabled: (webhookId, enabled) =>
        change((id) => api.admin.updateWebhook({ workspaceId: id, webhookId, enabled })),
      deleteWebhook: (webhookId) => change((id) => api.admin.deleteWebhook({ workspaceId: id, webhookId })),
      rotateWebhookSecret: (webhookId) =>
        change(
          (id) => api.admin.rotateWebhookSecret({ workspaceId: id, webhookId }),
          (value) =>
            set({ revealed: { label: 'New signing secret', what: 'new signing secret', value: value.secret } }),
        ),
      showDeliveries,
      redeliver: (webhookId, eventId) =>
        change((id) => api.admin.redeliverWebhook({ workspaceId: id, webhookId, eventId })),
      createInput: (input) => change((id) => api.admin.createInput({ workspaceId: id, ...input })),
      setInputEnabled: (inputId, enabled) =>
        change((id) => api.admin.updateInput({ workspaceId: id, inputId, enabled })),
      deleteInput: (inputId) => change((id) => api.admin.deleteInput({ workspaceId: id, inputId })),
      async showInputRequests(inputId) {
        const id = workspaceId();
        if (id === null) return;
        const value = await attempt(() => api.admin.inputRequests({ workspaceId: id, inputId }));
        if (value) set({ inputRequests: { inputId, list: value.requests } });
      },
      createToken: (name) =>
        change(
          (id) => api.admin.createApiToken({ workspaceId: id, name }),
          (value) => set({ revealed: { label: 'API token', what: 'API token', value: value.token } }),
        ),
      revokeToken: (tokenId) => change((id) => api.admin.revokeApiToken({ workspaceId: id, tokenId })),
    };
  });
  // Another workspace selected: what is shown belongs to the old one, so it is read again.
  workspace.subscribe((state, previous) => {
    if (state.selectedId !== previous.selectedId && store.getState().opened) void store.getState().reload();
  });
  return store;
}
