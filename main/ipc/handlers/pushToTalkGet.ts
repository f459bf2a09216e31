import { fail, ok } from '../../../shared/result';
import type { PushToTalkService } from '../../input/pushToTalkController';
import type { IpcHandler } from '../registerHandlers';

/** Where no push-to-talk service runs (the Chromium e2e harness has no desktop to hook), say so plainly. */
export const pushToTalkUnavailable = () =>
  fail(
    'push_to_talk_unavailable',
    'No shortcut reaches whoot here: its push-to-talk service did not start (the app log says why)',
  );

export const pushToTalkGetHandler =
  (service: PushToTalkService | null): IpcHandler<'pushToTalk.get'> =>
  () =>
    service === null ? pushToTalkUnavailable() : ok(service.status());
