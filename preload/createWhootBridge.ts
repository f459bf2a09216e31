import {
  IPC_PREFIX,
  eventChannelNames,
  invokeChannelNames,
  ipcEventChannels,
  isEventChannel,
  type EventChannel,
  type EventPayloadOf,
  type IpcTransport,
  type WhootApi,
} from '../shared/ipc';
import { fail, type Result } from '../shared/result';

/**
 * Builds `window.whoot` from the IPC contract: one method per invoke channel and nothing else, so the renderer's
 * reach into main is exactly the list in shared/ipc.ts. Electron's preload and the Chromium e2e harness both call
 * this factory; only the transport differs.
 */
export function createWhootBridge(transport: IpcTransport): WhootApi {
  const namespaces: Record<string, Record<string, (request?: unknown) => Promise<Result<unknown>>>> = {};
  for (const name of invokeChannelNames) {
    const [namespace, method] = name.split('.') as [string, string];
    const group = (namespaces[namespace] ??= {});
    group[method] = (request: unknown = {}) => invokeSafely(transport, `${IPC_PREFIX}${name}`, request);
  }
  for (const group of Object.values(namespaces)) Object.freeze(group);

  const on = <E extends EventChannel>(event: E, listener: (payload: EventPayloadOf<E>) => void): (() => void) => {
    if (!isEventChannel(event)) throw new TypeError(`whoot.on: unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('whoot.on: listener must be a function');
    return transport.subscribe(`${IPC_PREFIX}${event}`, (payload) => {
      // Main validates before sending; checking again here means a listener never sees a shape it was not promised.
      const parsed = ipcEventChannels[event].safeParse(payload);
      if (parsed.success) listener(parsed.data as EventPayloadOf<E>);
    });
  };

  return Object.freeze({ ...namespaces, on }) as unknown as WhootApi;
}

async function invokeSafely(transport: IpcTransport, wireChannel: string, request: unknown): Promise<Result<unknown>> {
  try {
    const response = await transport.invoke(wireChannel, request);
    if (isResult(response)) return response;
    return fail('ipc_failed', 'The app returned an unexpected response.');
  } catch {
    // The transport's error text can carry Electron internals; the renderer only needs to know the call failed.
    return fail('ipc_failed', 'The app could not complete the request.');
  }
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'value' in value;
  if (value.ok !== false || !('error' in value)) return false;
  const error = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

/** The event names a transport must be able to deliver, for harnesses that route events by name. */
export const bridgeEventChannels: readonly string[] = eventChannelNames.map((name) => `${IPC_PREFIX}${name}`);
