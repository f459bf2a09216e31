import { z } from 'zod';
import { doctorReportSchema } from './doctor';
import { randomIdSchema } from './identifiers';
import { endpoints, roleSchema } from './rest/endpoints';

/**
 * The admin console's and the network doctor's IPC channels, spread into shared/ipc.ts. Each one is a signed REST
 * call that main makes for the page: requests name the workspace and the REST body, responses are the REST
 * contract's own. The page holds no token; it does see what the server shows exactly once for the admin to copy
 * (a new webhook signing secret, a new API token, an invite link), which it keeps only while that dialog is open.
 */
const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });

const inWorkspace = z.strictObject({ workspaceId: randomIdSchema });
const done = z.strictObject({});
const webhookRef = { workspaceId: randomIdSchema, webhookId: randomIdSchema };
const inputRef = { workspaceId: randomIdSchema, inputId: randomIdSchema };

export const adminIpcChannels = {
  'admin.members': channel(inWorkspace, endpoints.listMembers.response),
  'admin.setRole': channel(
    z.strictObject({ workspaceId: randomIdSchema, userId: randomIdSchema, role: roleSchema }),
    done,
  ),
  'admin.removeMember': channel(z.strictObject({ workspaceId: randomIdSchema, userId: randomIdSchema }), done),
  'admin.invites': channel(inWorkspace, endpoints.listInvites.response),
  'admin.createInvite': channel(endpoints.createInvite.body.extend(inWorkspace.shape), endpoints.createInvite.response),
  'admin.revokeInvite': channel(z.strictObject({ workspaceId: randomIdSchema, inviteId: randomIdSchema }), done),
  'admin.createChannel': channel(
    endpoints.createChannel.body.extend(inWorkspace.shape),
    endpoints.createChannel.response,
  ),
  'admin.deleteChannel': channel(z.strictObject({ workspaceId: randomIdSchema, channelId: randomIdSchema }), done),
  'admin.webhooks': channel(inWorkspace, endpoints.listWebhooks.response),
  'admin.createWebhook': channel(
    endpoints.createWebhook.body.extend(inWorkspace.shape),
    endpoints.createWebhook.response,
  ),
  'admin.updateWebhook': channel(endpoints.updateWebhook.body.extend(webhookRef), endpoints.updateWebhook.response),
  'admin.deleteWebhook': channel(z.strictObject(webhookRef), done),
  'admin.rotateWebhookSecret': channel(
    endpoints.rotateWebhookSecret.body.extend(webhookRef),
    endpoints.rotateWebhookSecret.response,
  ),
  'admin.webhookDeliveries': channel(z.strictObject(webhookRef), endpoints.listWebhookDeliveries.response),
  'admin.redeliverWebhook': channel(
    z.strictObject({ ...webhookRef, eventId: randomIdSchema }),
    endpoints.redeliverWebhook.response,
  ),
  'admin.inputs': channel(inWorkspace, endpoints.listInputs.response),
  'admin.createInput': channel(endpoints.createInput.body.extend(inWorkspace.shape), endpoints.createInput.response),
  'admin.updateInput': channel(endpoints.updateInput.body.extend(inputRef), endpoints.updateInput.response),
  'admin.deleteInput': channel(z.strictObject(inputRef), done),
  'admin.inputRequests': channel(z.strictObject(inputRef), endpoints.listInputRequests.response),
  'admin.apiTokens': channel(inWorkspace, endpoints.listApiTokens.response),
  'admin.createApiToken': channel(
    endpoints.createApiToken.body.extend(inWorkspace.shape),
    endpoints.createApiToken.response,
  ),
  'admin.revokeApiToken': channel(z.strictObject({ workspaceId: randomIdSchema, tokenId: randomIdSchema }), done),
  'admin.audit': channel(inWorkspace, endpoints.auditLog.response),
  /** "Test my connection": main runs the network doctor against the signed-in server with this session. */
  'doctor.run': channel(z.strictObject({}), doctorReportSchema),
} as const;
