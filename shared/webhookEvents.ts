import { z } from 'zod';
import { randomIdSchema } from './identifiers';
import { plainTextSchema } from './plainText';
import { WEBHOOK_SECRET_PATTERN } from './webhookSignature';

/**
 * What outbound webhooks carry: the event types an admin can subscribe to, the JSON body a receiver gets, and the
 * endpoint URL rule. The server builds bodies against these schemas and docs/admin.md documents them.
 */

/** Event types, grouped by what they are about; security.* are changes to who can do what in the workspace. */
export const webhookEventTypes = [
  'voice.member_joined',
  'voice.member_left',
  'channel.created',
  'channel.deleted',
  'member.invited',
  'member.joined',
  'member.removed',
  'security.role_changed',
  'security.webhook_changed',
  'security.api_token_changed',
  'security.input_changed',
] as const;
export const webhookEventTypeSchema = z.enum(webhookEventTypes);
export type WebhookEventType = z.output<typeof webhookEventTypeSchema>;

const userId = randomIdSchema;
const actor = { actorUserId: randomIdSchema.nullable() };

/** The `data` of each event type. Ids only: names and other personal data stay in the workspace. */
export const webhookEventDataSchemas = {
  'voice.member_joined': z.strictObject({ channelId: randomIdSchema, userId }),
  'voice.member_left': z.strictObject({ channelId: randomIdSchema, userId }),
  'channel.created': z.strictObject({
    channel: z.strictObject({ id: randomIdSchema, name: z.string().max(64), relayOnly: z.boolean() }),
  }),
  'channel.deleted': z.strictObject({ channelId: randomIdSchema }),
  'member.invited': z.strictObject({
    ...actor,
    /** Null for invites made with the server's command line. */
    inviteId: randomIdSchema.nullable(),
    role: z.enum(['admin', 'member']),
    maxUses: z.number().int().min(1),
  }),
  'member.joined': z.strictObject({ userId }),
  'member.removed': z.strictObject({ ...actor, userId }),
  'security.role_changed': z.strictObject({
    ...actor,
    userId,
    from: z.enum(['owner', 'admin', 'member']),
    to: z.enum(['owner', 'admin', 'member']),
  }),
  'security.webhook_changed': z.strictObject({
    ...actor,
    webhookId: randomIdSchema,
    change: z.enum(['created', 'updated', 'deleted', 'secret_rotated']),
  }),
  'security.api_token_changed': z.strictObject({
    ...actor,
    tokenId: randomIdSchema,
    change: z.enum(['created', 'revoked']),
  }),
  'security.input_changed': z.strictObject({
    ...actor,
    inputId: randomIdSchema,
    change: z.enum(['created', 'updated', 'deleted']),
  }),
} as const satisfies Record<WebhookEventType, z.ZodType>;

export type WebhookEventData<T extends WebhookEventType> = z.output<(typeof webhookEventDataSchemas)[T]>;

const bodyOf = <T extends WebhookEventType>(type: T) =>
  z.strictObject({
    /** Unique per event and the same on every attempt and every endpoint: receivers deduplicate on it. */
    id: randomIdSchema,
    type: z.literal(type),
    workspaceId: randomIdSchema,
    /** When the event happened, Unix milliseconds (not when this attempt was sent). */
    occurredAt: z.number().int().min(0),
    data: webhookEventDataSchemas[type],
  });

/** The JSON body of every delivery. */
export const webhookEventBodySchema = z.discriminatedUnion('type', [
  bodyOf('voice.member_joined'),
  bodyOf('voice.member_left'),
  bodyOf('channel.created'),
  bodyOf('channel.deleted'),
  bodyOf('member.invited'),
  bodyOf('member.joined'),
  bodyOf('member.removed'),
  bodyOf('security.role_changed'),
  bodyOf('security.webhook_changed'),
  bodyOf('security.api_token_changed'),
  bodyOf('security.input_changed'),
]);
export type WebhookEventBody = z.output<typeof webhookEventBodySchema>;

/** The headers each delivery carries besides the signature. */
export const WEBHOOK_HEADERS = {
  eventId: 'x-whoot-event-id',
  eventType: 'x-whoot-event-type',
  attempt: 'x-whoot-delivery-attempt',
} as const;

/**
 * An endpoint URL as an admin may configure it: an absolute https: URL without credentials or fragment. Whether
 * its host may be reached (no private, loopback or metadata addresses) is the server's check, at configuration for
 * IP literals and again at every delivery for what the name resolves to.
 */
export const webhookUrlSchema = z
  .string()
  .trim()
  .min(1, 'must be an https:// URL')
  .max(2048)
  .superRefine((text, context) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be an https:// URL, e.g. https://hooks.example.com/whoot' });
      return;
    }
    if (url.protocol !== 'https:') {
      context.addIssue({
        code: 'custom',
        message: `must use https:, not ${url.protocol} (deliveries are never sent in the clear)`,
      });
    } else if (url.hostname === '') {
      context.addIssue({ code: 'custom', message: 'must name a host' });
    } else if (url.username !== '' || url.password !== '') {
      context.addIssue({
        code: 'custom',
        message: 'must not carry a user name or password (the signature authenticates)',
      });
    } else if (url.hash !== '') {
      context.addIssue({ code: 'custom', message: 'must not have a #fragment' });
    }
  });

// ---- the admin API's view of endpoints and deliveries (shared/rest/endpoints.ts) -------------------------------

/** Plain text for people, at most 200 characters, no control or formatting characters. */
export const webhookDescriptionSchema = plainTextSchema({ min: 0, max: 200 });

/** At least one type, each at most once. */
export const webhookEventSelectionSchema = z
  .array(webhookEventTypeSchema)
  .min(1, 'choose at least one event type')
  .max(webhookEventTypes.length)
  .refine((types) => new Set(types).size === types.length, 'must not list an event type twice');

export const webhookSchema = z.strictObject({
  id: randomIdSchema,
  workspaceId: randomIdSchema,
  url: z.string().max(2048),
  description: z.string().max(200),
  events: z.array(webhookEventTypeSchema).max(webhookEventTypes.length),
  enabled: z.boolean(),
  createdAt: z.number().int(),
  /** The secrets that sign deliveries now, newest first: more than one during a rotation's grace period. */
  secrets: z.array(z.strictObject({ createdAt: z.number().int(), expiresAt: z.number().int().nullable() })).max(20),
});
export type Webhook = z.output<typeof webhookSchema>;

/** Shown once, at creation and rotation; the server never shows it again. */
export const webhookSecretSchema = z.string().regex(WEBHOOK_SECRET_PATTERN, 'must be a whsec_ signing secret');

export const webhookAttemptOutcomeSchema = z.enum([
  'in_flight',
  'succeeded',
  'http_error',
  'timeout',
  'network_error',
  'refused_address',
  'interrupted',
]);

export const webhookDeliverySchema = z.strictObject({
  eventId: randomIdSchema,
  eventType: webhookEventTypeSchema,
  status: z.enum(['pending', 'in_flight', 'succeeded', 'failed']),
  attempts: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
  nextAttemptAt: z.number().int().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  history: z
    .array(
      z.strictObject({
        attempt: z.number().int().min(1),
        startedAt: z.number().int(),
        finishedAt: z.number().int().nullable(),
        outcome: webhookAttemptOutcomeSchema,
        statusCode: z.number().int().nullable(),
        error: z.string().max(200).nullable(),
      }),
    )
    .max(100),
});
export type WebhookDelivery = z.output<typeof webhookDeliverySchema>;

/** A rotated-out secret signs beside the new one for this long unless the admin asks otherwise (0: stop at once). */
export const DEFAULT_SECRET_GRACE_SECONDS = 24 * 3600;
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600;
