import { serverUrl } from '../../../shared/identifiers';
import { fail } from '../../../shared/result';
import { WS_PATH, wsTicketSchema } from '../../../shared/ws';
import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

/**
 * A one-time WSS ticket. The URL is built here from the pinned server address, never taken from the server's
 * answer, so a response cannot point the renderer's socket at another host.
 */
export const realtimeTicketHandler =
  (calls: SignedCalls): IpcHandler<'realtime.ticket'> =>
  async ({ workspaceId }) => {
    const result = await calls.call('wsTicket', { body: { workspaceId } });
    if (!result.ok) return result;
    const ticket = wsTicketSchema.safeParse(result.value.response.ticket);
    if (!ticket.success || result.value.response.path !== WS_PATH) {
      return fail('bad_response', 'The server sent a connect ticket this app cannot use.');
    }
    return { ok: true, value: { url: serverUrl('wss', result.value.identity.server, WS_PATH), ticket: ticket.data } };
  };
