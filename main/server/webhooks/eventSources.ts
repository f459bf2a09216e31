import { webhookEventDataSchemas, type WebhookEventData, type WebhookEventType } from '../../../shared/webhookEvents';
import type { AuditEntry, JsonValue, WorkspaceEvent } from '../store';

/**
 * Where webhook events come from: the workspace event log (what members see live: voice rooms, channels) and the
 * workspace's audit entries (invites, membership, roles, integration changes). One table maps each source type
 * to its webhook type and shapes the data; whatever is not listed never leaves the server.
 */

export interface MappedEvent {
  readonly type: WebhookEventType;
  readonly data: WebhookEventData<WebhookEventType>;
}

type Record_ = Readonly<Record<string, unknown>>;

/** What a mapper proposes; `checked` holds it to the published schema before anything is queued. */
interface Proposed {
  readonly type: WebhookEventType;
  readonly data: Record_;
}

const asRecord = (value: JsonValue | undefined): Record_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record_) : {};

/** Workspace event type -> webhook type and data. */
const fromEvents: Readonly<Record<string, (payload: Record_) => Proposed>> = {
  'room.memberJoined': (p) => ({ type: 'voice.member_joined', data: { channelId: p.channelId, userId: p.userId } }),
  'room.memberLeft': (p) => ({ type: 'voice.member_left', data: { channelId: p.channelId, userId: p.userId } }),
  'channel.created': (p) => {
    const channel = asRecord(p.channel as JsonValue);
    return {
      type: 'channel.created',
      data: { channel: { id: channel.id, name: channel.name, relayOnly: channel.relayOnly } },
    };
  },
  'channel.deleted': (p) => ({ type: 'channel.deleted', data: { channelId: p.channelId } }),
};

const change =
  (type: WebhookEventType, idField: string, what: string) =>
  (details: Record_, actorUserId: string | null): Proposed => ({
    type,
    data: { actorUserId, [idField]: details[idField], change: what },
  });

/** Audit entry type -> webhook type and data (details are what the handler recorded; the actor is the entry's). */
const fromAudit: Readonly<Record<string, (details: Record_, actorUserId: string | null) => Proposed>> = {
  'invite.created': (d, actorUserId) => ({
    type: 'member.invited',
    // Invites made with the CLI record no id or role: they are always member invites.
    data: { actorUserId, inviteId: d.inviteId ?? null, role: d.role ?? 'member', maxUses: d.maxUses },
  }),
  'invite.redeemed': (_d, actorUserId) => ({ type: 'member.joined', data: { userId: actorUserId } }),
  'member.removed': (d, actorUserId) => ({ type: 'member.removed', data: { actorUserId, userId: d.userId } }),
  'member.role_changed': (d, actorUserId) => ({
    type: 'security.role_changed',
    data: { actorUserId, userId: d.userId, from: d.from, to: d.to },
  }),
  'webhook.created': change('security.webhook_changed', 'webhookId', 'created'),
  'webhook.updated': change('security.webhook_changed', 'webhookId', 'updated'),
  'webhook.deleted': change('security.webhook_changed', 'webhookId', 'deleted'),
  'webhook.secret_rotated': change('security.webhook_changed', 'webhookId', 'secret_rotated'),
  'api_token.created': change('security.api_token_changed', 'tokenId', 'created'),
  'api_token.revoked': change('security.api_token_changed', 'tokenId', 'revoked'),
  'input.created': change('security.input_changed', 'inputId', 'created'),
  'input.updated': change('security.input_changed', 'inputId', 'updated'),
  'input.deleted': change('security.input_changed', 'inputId', 'deleted'),
};

/** The webhook event for a workspace event, or null when it is not one webhooks carry (or does not fit). */
export function fromWorkspaceEvent(event: WorkspaceEvent): MappedEvent | null {
  const map = Object.hasOwn(fromEvents, event.type) ? fromEvents[event.type] : undefined;
  return map === undefined ? null : checked(map(asRecord(event.payload)));
}

/** The webhook event for an audit entry, or null. */
export function fromAuditEntry(entry: AuditEntry): MappedEvent | null {
  const map = Object.hasOwn(fromAudit, entry.type) ? fromAudit[entry.type] : undefined;
  return map === undefined ? null : checked(map(asRecord(entry.details), entry.actorUserId));
}

/** Data that does not match the published schema is dropped, not sent: receivers rely on the documented shape. */
function checked(mapped: Proposed): MappedEvent | null {
  const parsed = webhookEventDataSchemas[mapped.type].safeParse(mapped.data);
  return parsed.success ? { type: mapped.type, data: parsed.data } : null;
}
