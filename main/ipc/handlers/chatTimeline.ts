import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';
import { forward, nothing, same } from './forward';

/** The channel timeline goes to the server as signed calls; the server checks membership, ownership and limits. */
export const chatHistoryHandler =
  (calls: SignedCalls): IpcHandler<'chat.history'> =>
  async ({ workspaceId, channelId, before }) => {
    const result =
      before === null
        ? await calls.call('listMessages', { params: { workspaceId, channelId } })
        : await calls.call('listMessagesBefore', { params: { workspaceId, channelId, messageId: before } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const chatPostHandler = (calls: SignedCalls): IpcHandler<'chat.post'> =>
  forward<'chat.post', 'postMessage'>(
    calls,
    'postMessage',
    ({ workspaceId, channelId, message }) => ({ params: { workspaceId, channelId }, body: message }),
    same,
  );

export const chatEditHandler = (calls: SignedCalls): IpcHandler<'chat.edit'> =>
  forward<'chat.edit', 'editMessage'>(
    calls,
    'editMessage',
    ({ workspaceId, messageId, body }) => ({ params: { workspaceId, messageId }, body: { body } }),
    same,
  );

export const chatDeleteHandler = (calls: SignedCalls): IpcHandler<'chat.delete'> =>
  forward<'chat.delete', 'deleteMessage'>(
    calls,
    'deleteMessage',
    ({ workspaceId, messageId }) => ({ params: { workspaceId, messageId } }),
    nothing,
  );

export const chatMarkReadHandler = (calls: SignedCalls): IpcHandler<'chat.markRead'> =>
  forward<'chat.markRead', 'setReadMarker'>(
    calls,
    'setReadMarker',
    ({ workspaceId, channelId, messageId }) => ({ params: { workspaceId, channelId }, body: { messageId } }),
    same,
  );

export const chatUnreadHandler = (calls: SignedCalls): IpcHandler<'chat.unread'> =>
  forward<'chat.unread', 'listUnread'>(calls, 'listUnread', (request) => ({ params: request }), same);

export const filesRemoveHandler = (calls: SignedCalls): IpcHandler<'files.remove'> =>
  forward<'files.remove', 'deleteFile'>(
    calls,
    'deleteFile',
    ({ workspaceId, fileId }) => ({ params: { workspaceId, fileId } }),
    nothing,
  );
