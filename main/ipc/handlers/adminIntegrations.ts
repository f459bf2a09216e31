import type { SignedCalls } from '../../session/signedCalls';
import { bodyWithout, forward, nothing, same } from './forward';

/** Webhooks with their deliveries, inbound inputs with their request logs, and API tokens. */
export function adminIntegrationHandlers(calls: SignedCalls) {
  const webhookParams = (r: { workspaceId: string; webhookId: string }) => ({
    workspaceId: r.workspaceId,
    webhookId: r.webhookId,
  });
  const inputParams = (r: { workspaceId: string; inputId: string }) => ({
    workspaceId: r.workspaceId,
    inputId: r.inputId,
  });
  return {
    'admin.webhooks': forward<'admin.webhooks', 'listWebhooks'>(calls, 'listWebhooks', (r) => ({ params: r }), same),
    'admin.createWebhook': forward<'admin.createWebhook', 'createWebhook'>(
      calls,
      'createWebhook',
      (r) => ({ params: { workspaceId: r.workspaceId }, body: bodyWithout(r, 'workspaceId') }),
      same,
    ),
    'admin.updateWebhook': forward<'admin.updateWebhook', 'updateWebhook'>(
      calls,
      'updateWebhook',
      (r) => ({ params: webhookParams(r), body: bodyWithout(r, 'workspaceId', 'webhookId') }),
      same,
    ),
    'admin.deleteWebhook': forward<'admin.deleteWebhook', 'deleteWebhook'>(
      calls,
      'deleteWebhook',
      (r) => ({ params: r }),
      nothing,
    ),
    'admin.rotateWebhookSecret': forward<'admin.rotateWebhookSecret', 'rotateWebhookSecret'>(
      calls,
      'rotateWebhookSecret',
      (r) => ({ params: webhookParams(r), body: bodyWithout(r, 'workspaceId', 'webhookId') }),
      same,
    ),
    'admin.webhookDeliveries': forward<'admin.webhookDeliveries', 'listWebhookDeliveries'>(
      calls,
      'listWebhookDeliveries',
      (r) => ({ params: r }),
      same,
    ),
    'admin.redeliverWebhook': forward<'admin.redeliverWebhook', 'redeliverWebhook'>(
      calls,
      'redeliverWebhook',
      (r) => ({ params: r }),
      same,
    ),
    'admin.inputs': forward<'admin.inputs', 'listInputs'>(calls, 'listInputs', (r) => ({ params: r }), same),
    'admin.createInput': forward<'admin.createInput', 'createInput'>(
      calls,
      'createInput',
      (r) => ({ params: { workspaceId: r.workspaceId }, body: bodyWithout(r, 'workspaceId') }),
      same,
    ),
    'admin.updateInput': forward<'admin.updateInput', 'updateInput'>(
      calls,
      'updateInput',
      (r) => ({ params: inputParams(r), body: bodyWithout(r, 'workspaceId', 'inputId') }),
      same,
    ),
    'admin.deleteInput': forward<'admin.deleteInput', 'deleteInput'>(
      calls,
      'deleteInput',
      (r) => ({ params: r }),
      nothing,
    ),
    'admin.inputRequests': forward<'admin.inputRequests', 'listInputRequests'>(
      calls,
      'listInputRequests',
      (r) => ({ params: r }),
      same,
    ),
    'admin.apiTokens': forward<'admin.apiTokens', 'listApiTokens'>(
      calls,
      'listApiTokens',
      (r) => ({ params: r }),
      same,
    ),
    'admin.createApiToken': forward<'admin.createApiToken', 'createApiToken'>(
      calls,
      'createApiToken',
      (r) => ({ params: { workspaceId: r.workspaceId }, body: bodyWithout(r, 'workspaceId') }),
      same,
    ),
    'admin.revokeApiToken': forward<'admin.revokeApiToken', 'revokeApiToken'>(
      calls,
      'revokeApiToken',
      (r) => ({ params: r }),
      nothing,
    ),
  } as const;
}
