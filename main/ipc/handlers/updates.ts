import { updateChannelsOf, type ManagedPolicy } from '../../../shared/managedPolicy';
import { fail, ok } from '../../../shared/result';
import type { UpdateService } from '../../updates/updateService';
import type { IpcHandler } from '../registerHandlers';

/** The About page's version, channel and last check; without an update service there is simply no check yet. */
export const updatesStatusHandler =
  (updates: UpdateService | null, version: string, policy: ManagedPolicy): IpcHandler<'updates.status'> =>
  async () =>
    updates !== null
      ? ok(await updates.status())
      : ok({
          version,
          channel: updateChannelsOf(policy).channel,
          channelManaged: policy.updateChannel !== undefined,
          lastCheck: null,
          checking: false,
        });

export const updatesCheckHandler =
  (updates: UpdateService | null): IpcHandler<'updates.check'> =>
  async () =>
    updates === null
      ? fail('updates_unavailable', 'Updates are not checked in this window.')
      : ok(await updates.check());
