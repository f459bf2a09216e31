import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

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

export const chatPostHandler =
  (calls: SignedCalls): IpcHandler<'chat.post'> =>
  async ({ workspaceId, channelId, message }) => {
    const result = await calls.call('postMessage', { params: { workspaceId, channelId }, body: message });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const chatEditHandler =
  (calls: SignedCalls): IpcHandler<'chat.edit'> =>
  async ({ workspaceId, messageId, body }) => {
    const result = await calls.call('editMessage', { params: { workspaceId, messageId }, body: { body } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const chatDeleteHandler =
  (calls: SignedCalls): IpcHandler<'chat.delete'> =>
  async ({ workspaceId, messageId }) => {
    const result = await calls.call('deleteMessage', { params: { workspaceId, messageId } });
    return result.ok ? { ok: true, value: {} } : result;
  };

export const chatMarkReadHandler =
  (calls: SignedCalls): IpcHandler<'chat.markRead'> =>
  async ({ workspaceId, channelId, messageId }) => {
    const result = await calls.call('setReadMarker', { params: { workspaceId, channelId }, body: { messageId } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const chatUnreadHandler =
  (calls: SignedCalls): IpcHandler<'chat.unread'> =>
  async ({ workspaceId }) => {
    const result = await calls.call('listUnread', { params: { workspaceId } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const filesRemoveHandler =
  (calls: SignedCalls): IpcHandler<'files.remove'> =>
  async ({ workspaceId, fileId }) => {
    const result = await calls.call('deleteFile', { params: { workspaceId, fileId } });
    return result.ok ? { ok: true, value: {} } : result;
  };
