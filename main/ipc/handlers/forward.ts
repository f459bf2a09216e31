import type { InvokeChannel, ParsedRequestOf, ResponseOf } from '../../../shared/ipc';
import type { EndpointName, ResponseOf as RestResponseOf } from '../../../shared/rest/endpoints';
import type { CallInput } from '../../session/apiClient';
import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

/**
 * An IPC channel that is one signed REST call: how its request becomes the call's path parameters and body, and
 * the answer the page gets. The server decides every permission; a refusal comes back as the contract's error.
 */
export function forward<C extends InvokeChannel, N extends EndpointName>(
  calls: SignedCalls,
  name: N,
  toCall: (request: ParsedRequestOf<C>) => Omit<CallInput<N>, 'signer'>,
  toResponse: (response: RestResponseOf<N>) => ResponseOf<C>,
): IpcHandler<C> {
  return async (request) => {
    const result = await calls.call(name, toCall(request));
    return result.ok ? { ok: true, value: toResponse(result.value.response) } : result;
  };
}

/** The page's request minus the ids that go into the path: what the REST body is. */
export function bodyWithout<T extends object, K extends keyof T>(request: T, ...keys: K[]): Omit<T, K> {
  return Object.fromEntries(
    Object.entries(request).filter(([key]) => !(keys as readonly PropertyKey[]).includes(key)),
  ) as Omit<T, K>;
}

export const nothing = (): Record<string, never> => ({});
export const same = <T>(response: T): T => response;
