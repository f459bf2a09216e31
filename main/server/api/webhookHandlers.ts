import type { Webhook, WebhookDelivery as WebhookDeliveryDto, WebhookEventType } from '../../../shared/webhookEvents';
import { HttpError } from '../http/httpError';
import type { WebhookDelivery, WebhookEndpoint } from '../store';
import { WEBHOOK_MAX_ATTEMPTS } from '../webhooks/retrySchedule';
import { newWebhookSecret } from '../webhooks/signing';
import { checkLiteralTarget } from '../webhooks/targetAddress';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound, requirePermission } from './membership';

/** Enough for every integration a team runs; a bound so one workspace cannot make the dispatcher fan out forever. */
export const MAX_WEBHOOKS_PER_WORKSPACE = 20;
const HISTORY_PAGE = 100;

type WebhookHandlers = Pick<
  EndpointHandlers,
  | 'listWebhooks'
  | 'createWebhook'
  | 'updateWebhook'
  | 'deleteWebhook'
  | 'rotateWebhookSecret'
  | 'listWebhookDeliveries'
  | 'redeliverWebhook'
>;

export const webhookDto = (endpoint: WebhookEndpoint): Webhook => ({
  id: endpoint.id,
  workspaceId: endpoint.workspaceId,
  url: endpoint.url,
  description: endpoint.description,
  events: endpoint.events as WebhookEventType[],
  enabled: endpoint.enabled,
  createdAt: endpoint.createdAt,
  secrets: endpoint.secrets.map((secret) => ({ createdAt: secret.createdAt, expiresAt: secret.expiresAt })),
});

export const deliveryDto = (delivery: WebhookDelivery): WebhookDeliveryDto => ({
  eventId: delivery.eventId,
  eventType: delivery.eventType as WebhookEventType,
  status: delivery.status,
  attempts: delivery.attempts,
  maxAttempts: WEBHOOK_MAX_ATTEMPTS + delivery.extraAttempts,
  nextAttemptAt: delivery.nextAttemptAt,
  createdAt: delivery.createdAt,
  updatedAt: delivery.updatedAt,
  history: delivery.history.slice(-100).map((attempt) => ({ ...attempt })),
});

/**
 * Outbound webhooks for workspace owners and admins. Members get 403, everyone else (and every id of another
 * workspace) the same 404 as an id that does not exist. URLs are checked here as far as they can be without DNS
 * (https only, no internal IP literal, no localhost); what a name resolves to is checked at every delivery.
 */
export function webhookHandlers(deps: ApiDeps): WebhookHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';
  const allowPrivateTargets = new Set(deps.config.webhooks.allowPrivateTargets);

  function checkUrl(text: string): void {
    const url = new URL(text);
    const literal = checkLiteralTarget(url, { allowPrivateTargets });
    if (literal !== null && !literal.ok)
      throw new HttpError(400, 'webhook_url_refused', `The URL is refused: ${literal.message}.`);
    // RFC 6761: localhost names are loopback whatever DNS says; refusing them here saves a doomed first delivery.
    if (literal === null && /(?:^|\.)localhost\.?$/.test(url.hostname)) {
      throw new HttpError(400, 'webhook_url_refused', 'The URL is refused: localhost is not a public address.');
    }
  }

  async function manage(params: Readonly<Record<string, string>>, userId: string) {
    const workspaceId = param(params, 'workspaceId');
    await requirePermission(store, workspaceId, userId, 'integrations.manage');
    return { workspaceId, webhooks: store.forWorkspace(workspaceId).webhooks };
  }

  async function recordChange(workspaceId: string, actorUserId: string, change: string, webhookId: string) {
    await deps.audit({ type: `webhook.${change}`, actorUserId, workspaceId, details: { webhookId } });
  }

  return {
    async listWebhooks({ session, params }) {
      const { webhooks } = await manage(params, session.userId);
      return { status: 200, body: { webhooks: (await webhooks.list()).map(webhookDto) } };
    },

    async createWebhook({ session, params, body }) {
      const { workspaceId, webhooks } = await manage(params, session.userId);
      checkUrl(body.url);
      if ((await webhooks.list()).length >= MAX_WEBHOOKS_PER_WORKSPACE) {
        throw new HttpError(
          409,
          'too_many_webhooks',
          `A workspace can have at most ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks.`,
        );
      }
      const secret = newWebhookSecret();
      const created = await webhooks.create({
        url: body.url,
        description: body.description,
        events: body.events,
        enabled: body.enabled,
        createdBy: session.userId,
        secret,
      });
      await recordChange(workspaceId, session.userId, 'created', created.id);
      return { status: 201, body: { webhook: webhookDto(created), secret } };
    },

    async updateWebhook({ session, params, body }) {
      const { workspaceId, webhooks } = await manage(params, session.userId);
      if (body.url !== undefined) checkUrl(body.url);
      const updated = await webhooks.update(param(params, 'webhookId'), body);
      if (updated === undefined) throw notFound();
      await recordChange(workspaceId, session.userId, 'updated', updated.id);
      return { status: 200, body: { webhook: webhookDto(updated) } };
    },

    async deleteWebhook({ session, params }) {
      const { workspaceId, webhooks } = await manage(params, session.userId);
      const webhookId = param(params, 'webhookId');
      if (!(await webhooks.delete(webhookId))) throw notFound();
      await recordChange(workspaceId, session.userId, 'deleted', webhookId);
      return { status: 204 };
    },

    async rotateWebhookSecret({ session, params, body }) {
      const { workspaceId, webhooks } = await manage(params, session.userId);
      const secret = newWebhookSecret();
      const rotated = await webhooks.rotateSecret(param(params, 'webhookId'), {
        secret,
        retireAt: deps.now() + body.graceSeconds * 1000,
      });
      if (rotated === undefined) throw notFound();
      await recordChange(workspaceId, session.userId, 'secret_rotated', rotated.id);
      return { status: 200, body: { webhook: webhookDto(rotated), secret } };
    },

    async listWebhookDeliveries({ session, params }) {
      const { webhooks } = await manage(params, session.userId);
      const webhookId = param(params, 'webhookId');
      if ((await webhooks.get(webhookId)) === undefined) throw notFound();
      const deliveries = await webhooks.deliveries(webhookId, HISTORY_PAGE);
      return { status: 200, body: { deliveries: deliveries.map(deliveryDto) } };
    },

    async redeliverWebhook({ session, params }) {
      const { workspaceId, webhooks } = await manage(params, session.userId);
      const webhookId = param(params, 'webhookId');
      const delivery = await webhooks.redeliver(webhookId, param(params, 'eventId'), WEBHOOK_MAX_ATTEMPTS);
      if (delivery === undefined) throw notFound();
      await deps.audit({
        type: 'webhook.redelivered',
        actorUserId: session.userId,
        workspaceId,
        details: { webhookId, eventId: delivery.eventId },
      });
      return { status: 200, body: { delivery: deliveryDto(delivery) } };
    },
  };
}
