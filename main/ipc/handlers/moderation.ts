import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

/** Voice moderation goes to the server as signed calls; the server checks the role and enforces the result. */
export const moderationVoiceMutesHandler =
  (calls: SignedCalls): IpcHandler<'moderation.voiceMutes'> =>
  async ({ workspaceId }) => {
    const result = await calls.call('listVoiceMutes', { params: { workspaceId } });
    return result.ok ? { ok: true, value: result.value.response } : result;
  };

export const moderationSetVoiceMuteHandler =
  (calls: SignedCalls): IpcHandler<'moderation.setVoiceMute'> =>
  async ({ workspaceId, userId, muted }) => {
    const result = await calls.call(muted ? 'voiceMuteMember' : 'voiceUnmuteMember', {
      params: { workspaceId, userId },
    });
    return result.ok ? { ok: true, value: {} } : result;
  };

export const moderationMoveVoiceHandler =
  (calls: SignedCalls): IpcHandler<'moderation.moveVoice'> =>
  async ({ workspaceId, userId, channelId }) => {
    const result = await calls.call('voiceMoveMember', { params: { workspaceId, userId }, body: { channelId } });
    return result.ok ? { ok: true, value: {} } : result;
  };
