import { MANAGED_BY_POLICY, managedMessage, type PolicyView } from '../../../shared/managedPolicy';
import { fail, ok } from '../../../shared/result';
import type { InvokeChannel } from '../../../shared/ipc';
import type { IpcHandler } from '../registerHandlers';

/** The managed policy as main applies it, for the settings to show read-only ("Managed by your organization"). */
export const policyGetHandler =
  (view: PolicyView): IpcHandler<'policy.get'> =>
  () =>
    ok(view);

/**
 * A channel the policy switched off answers `managed_by_policy` and does nothing; checked in main, so a page that
 * shows the control anyway still cannot use it.
 */
export function refusedByPolicy<C extends InvokeChannel>(what: string): IpcHandler<C> {
  return () => fail(MANAGED_BY_POLICY, managedMessage(what));
}

/** relayOnlyMedia: the credentials the page gets always say relay, whatever the channel allows. */
export function relayOnlyCredentials(handler: IpcHandler<'voice.credentials'>): IpcHandler<'voice.credentials'> {
  return async (request, sender) => {
    const result = await handler(request, sender);
    return result.ok ? ok({ ...result.value, iceTransportPolicy: 'relay' as const }) : result;
  };
}
