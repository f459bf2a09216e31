import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

/** TURN credentials for one channel: the only credential the renderer ever holds, and only for minutes. */
export const voiceCredentialsHandler =
  (calls: SignedCalls): IpcHandler<'voice.credentials'> =>
  async ({ channelId }) => {
    const result = await calls.call('voiceCredentials', { body: { channelId } });
    if (!result.ok) return result;
    const { iceServers, iceTransportPolicy, expiresAt } = result.value.response;
    return { ok: true, value: { iceServers, iceTransportPolicy, expiresAt } };
  };
