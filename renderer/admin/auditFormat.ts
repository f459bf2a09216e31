import type { AuditEntryView } from '../../shared/admin';
import { ROLE_NAME, shortId } from './format';

/** What the console knows by name, to say "Ada removed Bob" instead of two ids. Null: not known (any more). */
export interface AuditNames {
  user(id: string): string | null;
  channel(id: string): string | null;
  token(id: string): string | null;
  webhook(id: string): string | null;
  input(id: string): string | null;
}

/** An audit entry in words: what was done, and to what (empty when the action names its object already). */
export interface AuditLine {
  readonly action: string;
  readonly target: string;
}

type Details = AuditEntryView['details'];

const text = (details: Details, key: string): string | null => {
  const value = details[key];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
};

const role = (value: string | null) =>
  value === null
    ? 'unknown role'
    : Object.hasOwn(ROLE_NAME, value)
      ? ROLE_NAME[value as keyof typeof ROLE_NAME]
      : value;

/** A name when it is known, a short id otherwise, and a word for what kind of thing it is. */
function named(names: AuditNames, kind: keyof AuditNames, id: string | null, gone: string): string {
  if (id === null) return '';
  return names[kind](id) ?? `${gone} (${shortId(id)})`;
}

/** The person who did it; null actor: the server itself (its command line, its start-up). */
export function auditActor(entry: AuditEntryView, names: AuditNames): string {
  if (entry.actorUserId === null) return 'The server';
  return names.user(entry.actorUserId) ?? `Former member (${shortId(entry.actorUserId)})`;
}

type Formatter = (details: Details, names: AuditNames) => AuditLine;

const user = (details: Details, names: AuditNames, key = 'userId') =>
  named(names, 'user', text(details, key), 'former member');
const channel = (details: Details, names: AuditNames, key = 'channelId') => {
  const id = text(details, key);
  if (id === null) return '';
  // A deleted channel's entry carries its name; a live one is named as it is called now.
  const now = names.channel(id);
  const then = text(details, 'name');
  return now !== null ? `#${now}` : then !== null ? `#${then}` : `a deleted channel (${shortId(id)})`;
};
const uses = (details: Details) => {
  const count = Number(text(details, 'maxUses') ?? 1);
  return `${count} ${count === 1 ? 'use' : 'uses'}`;
};

const change =
  (verb: string, kind: 'token' | 'webhook' | 'input', key: string, gone: string): Formatter =>
  (details, names) => ({ action: verb, target: named(names, kind, text(details, key), gone) });

/** One formatter per audit type the server writes for a workspace (main/server/api and the CLI). */
const FORMATTERS: Readonly<Record<string, Formatter>> = {
  'workspace.created': (details) => ({
    action: 'Created the workspace',
    target: text(details, 'via') === 'cli' ? 'from the command line' : '',
  }),
  'invite.created': (details) => ({
    action: 'Created an invite',
    target:
      text(details, 'inviteId') === null
        ? `Member invite from the command line, ${uses(details)}`
        : `${role(text(details, 'role'))} invite, ${uses(details)}`,
  }),
  'invite.redeemed': () => ({ action: 'Joined with an invite', target: '' }),
  'invite.revoked': (details) => ({
    action: 'Revoked an invite',
    target: `Invite ${shortId(text(details, 'inviteId') ?? '')}`,
  }),
  'member.role_changed': (details, names) => ({
    action: 'Changed a role',
    target: `${user(details, names)}: ${role(text(details, 'from'))} → ${role(text(details, 'to'))}`,
  }),
  'member.removed': (details, names) => ({ action: 'Removed a member', target: user(details, names) }),
  'channel.created': (details, names) => ({
    action: text(details, 'kind') === 'text' ? 'Created a text channel' : 'Created a voice channel',
    target: channel(details, names),
  }),
  'channel.deleted': (details, names) => ({ action: 'Deleted a channel', target: channel(details, names) }),
  'api_token.created': change('Created an API token', 'token', 'tokenId', 'a revoked token'),
  'api_token.revoked': change('Revoked an API token', 'token', 'tokenId', 'a token'),
  'webhook.created': change('Added a webhook', 'webhook', 'webhookId', 'a deleted webhook'),
  'webhook.updated': change('Changed a webhook', 'webhook', 'webhookId', 'a deleted webhook'),
  'webhook.deleted': change('Deleted a webhook', 'webhook', 'webhookId', 'a deleted webhook'),
  'webhook.secret_rotated': change('Rotated a webhook’s signing secret', 'webhook', 'webhookId', 'a deleted webhook'),
  'webhook.redelivered': change('Sent a webhook event again', 'webhook', 'webhookId', 'a deleted webhook'),
  'input.created': change('Created an input', 'input', 'inputId', 'a deleted input'),
  'input.updated': change('Changed an input', 'input', 'inputId', 'a deleted input'),
  'input.deleted': change('Deleted an input', 'input', 'inputId', 'a deleted input'),
  'voice.member_muted': (details, names) => ({ action: 'Server-muted a member', target: user(details, names) }),
  'voice.member_unmuted': (details, names) => ({ action: 'Lifted a server mute', target: user(details, names) }),
  'voice.member_moved': (details, names) => ({
    action: 'Moved a member to another voice channel',
    target: `${user(details, names)} to ${channel(details, names, 'toChannelId')}`,
  }),
  'voice.member_disconnected': (details, names) => ({
    action: 'Disconnected a member from voice',
    target: user(details, names),
  }),
  'voice.credentials_issued': (details, names) => ({ action: 'Joined voice', target: channel(details, names) }),
};

/** Turns "api_token.created" into "Api token created": better than nothing for a type this build does not know. */
function fallbackAction(type: string): string {
  const words = type.replace(/[._]+/g, ' ').trim();
  return words === '' ? 'Unknown action' : `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

/** Scalar details as "key: value", for a type without a formatter; never raw JSON. */
function fallbackTarget(details: Details): string {
  return Object.entries(details)
    .flatMap(([key, value]) =>
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? [`${key}: ${value}`] : [],
    )
    .join(', ');
}

export function describeAudit(entry: AuditEntryView, names: AuditNames): AuditLine {
  const format = Object.hasOwn(FORMATTERS, entry.type) ? FORMATTERS[entry.type] : undefined;
  return format === undefined
    ? { action: fallbackAction(entry.type), target: fallbackTarget(entry.details) }
    : format(entry.details, names);
}

/** The action filter's label for a type: what its entries say they did. */
export function auditActionLabel(type: string): string {
  const format = Object.hasOwn(FORMATTERS, type) ? FORMATTERS[type] : undefined;
  return format === undefined
    ? fallbackAction(type)
    : format({}, NO_NAMES).action.replace(/ (text|voice) channel$/, ' channel');
}

const NO_NAMES: AuditNames = {
  user: () => null,
  channel: () => null,
  token: () => null,
  webhook: () => null,
  input: () => null,
};

/** The audit table's filters: one person (a user id, or `SERVER_ACTOR`) and one action type; null shows all. */
export interface AuditFilter {
  readonly actor: string | null;
  readonly type: string | null;
}

/** The filter key for entries the server wrote itself (no actor). */
export const SERVER_ACTOR = 'server';

const actorKey = (entry: AuditEntryView): string => entry.actorUserId ?? SERVER_ACTOR;

export function filterAudit(entries: readonly AuditEntryView[], filter: AuditFilter): AuditEntryView[] {
  return entries.filter(
    (entry) =>
      (filter.actor === null || actorKey(entry) === filter.actor) &&
      (filter.type === null || entry.type === filter.type),
  );
}

export interface AuditChoice {
  readonly value: string;
  readonly label: string;
}

/** What the filters offer: the people and the actions the loaded entries have, by name and in words, A to Z. */
export function auditFilterChoices(
  entries: readonly AuditEntryView[],
  names: AuditNames,
): { readonly actors: AuditChoice[]; readonly actions: AuditChoice[] } {
  const actors = new Map<string, string>();
  const actions = new Map<string, string>();
  for (const entry of entries) {
    actors.set(actorKey(entry), auditActor(entry, names));
    actions.set(entry.type, auditActionLabel(entry.type));
  }
  const sorted = (choices: Map<string, string>) =>
    [...choices].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label));
  return { actors: sorted(actors), actions: sorted(actions) };
}
