import type { PushToTalkService } from '../../input/pushToTalkController';
import type { IpcHandler } from '../registerHandlers';
import { pushToTalkUnavailable } from './pushToTalkGet';

export const pushToTalkSetHandler =
  (service: PushToTalkService | null): IpcHandler<'pushToTalk.set'> =>
  (request) =>
    service === null ? pushToTalkUnavailable() : service.update(request);
