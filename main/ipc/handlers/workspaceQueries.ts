import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

/** Channel and member lists of a workspace; the server answers 404 for one the user is not in. */
export const workspaceChannelsHandler =
  (calls: SignedCalls): IpcHandler<'workspace.channels'> =>
  async ({ workspaceId }) => {
    const result = await calls.call('listChannels', { params: { workspaceId } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const workspaceMembersHandler =
  (calls: SignedCalls): IpcHandler<'workspace.members'> =>
  async ({ workspaceId }) => {
    const result = await calls.call('listMembers', { params: { workspaceId } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const workspaceVoiceRoomsHandler =
  (calls: SignedCalls): IpcHandler<'workspace.voiceRooms'> =>
  async ({ workspaceId }) => {
    const result = await calls.call('voiceRooms', { params: { workspaceId } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };
