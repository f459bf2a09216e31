import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';
import { forward, nothing, same } from './forward';

/** Voice moderation goes to the server as signed calls; the server checks the role and enforces the result. */
export const moderationVoiceMutesHandler = (calls: SignedCalls): IpcHandler<'moderation.voiceMutes'> =>
  forward<'moderation.voiceMutes', 'listVoiceMutes'>(calls, 'listVoiceMutes', (request) => ({ params: request }), same);

/** Mute and unmute are two endpoints (PUT and DELETE on one resource); the page asks with a boolean. */
export const moderationSetVoiceMuteHandler =
  (calls: SignedCalls): IpcHandler<'moderation.setVoiceMute'> =>
  async ({ workspaceId, userId, muted }) => {
    const result = await calls.call(muted ? 'voiceMuteMember' : 'voiceUnmuteMember', {
      params: { workspaceId, userId },
    });
    return result.ok ? { ok: true, value: nothing() } : result;
  };

export const moderationMoveVoiceHandler = (calls: SignedCalls): IpcHandler<'moderation.moveVoice'> =>
  forward<'moderation.moveVoice', 'voiceMoveMember'>(
    calls,
    'voiceMoveMember',
    ({ workspaceId, userId, channelId }) => ({ params: { workspaceId, userId }, body: { channelId } }),
    nothing,
  );
