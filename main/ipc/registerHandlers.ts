import {
  IPC_PREFIX,
  invokeChannelNames,
  ipcInvokeChannels,
  type InvokeChannel,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../shared/ipc';
import { fail, type Result } from '../../shared/result';
import { parseInput } from '../../shared/validation';
import type { IpcSender, SenderPolicy } from './sender';

export type IpcHandler<C extends InvokeChannel> = (
  request: ParsedRequestOf<C>,
  sender: IpcSender,
) => Promise<Result<ResponseOf<C>>> | Result<ResponseOf<C>>;

/** A handler for every channel of the contract: the type makes a missing or extra handler a compile error. */
export type IpcHandlers = { readonly [C in InvokeChannel]: IpcHandler<C> };

export interface IpcDispatcher {
  /** Wire names (with IPC_PREFIX) to register with ipcMain.handle, exactly one per contract channel. */
  readonly wireChannels: readonly string[];
  dispatch(wireChannel: string, sender: IpcSender, payload: unknown): Promise<Result<unknown>>;
  /**
   * Resolves once no call is running (at once when none is): what quitting waits for, so a delete the page sent
   * as its window closed still reaches the server (docs/chat.md, "Undo").
   */
  settled(): Promise<void>;
}

export interface DispatcherOptions {
  readonly handlers: IpcHandlers;
  readonly isTrustedSender: SenderPolicy;
  /** Receives refusals and handler failures; never the payload, which may hold a password. */
  readonly log?: (message: string) => void;
}

/**
 * The one IPC door: every call is checked for its sender frame, then its payload against the contract's schema,
 * before a handler runs; the handler's answer is checked against the response schema before it leaves. Errors come
 * back as `{ ok: false, error }`, never as exceptions, so a bad payload cannot crash main or leak a stack.
 */
export function registerHandlers(options: DispatcherOptions): IpcDispatcher {
  const log = options.log ?? (() => undefined);
  const byWire = new Map<string, InvokeChannel>(invokeChannelNames.map((name) => [`${IPC_PREFIX}${name}`, name]));

  const running = new Set<Promise<unknown>>();
  function track(call: Promise<Result<unknown>>): Promise<Result<unknown>> {
    running.add(call);
    void call.finally(() => running.delete(call));
    return call;
  }

  async function dispatchOne(wireChannel: string, sender: IpcSender, payload: unknown): Promise<Result<unknown>> {
    const channel = byWire.get(wireChannel);
    if (channel === undefined) return fail('unknown_channel', 'No such IPC channel.');
    if (!options.isTrustedSender(sender)) {
      log(`ipc: refused ${channel} from a frame that is not the app's own page`);
      return fail('forbidden_sender', 'This frame may not call the app.');
    }
    const contract = ipcInvokeChannels[channel];
    const request = parseInput(contract.request, payload, `${channel} request`);
    if (!request.ok) return request;
    try {
      const handler = options.handlers[channel] as IpcHandler<InvokeChannel>;
      const result = await handler(request.value as never, sender);
      if (!result.ok) return result;
      const response = contract.response.safeParse(result.value);
      if (!response.success) {
        log(`ipc: ${channel} produced a response outside the contract`);
        return fail('internal_error', 'The app could not complete the request.');
      }
      return { ok: true, value: response.data };
    } catch (error) {
      log(`ipc: ${channel} failed: ${error instanceof Error ? error.name : 'error'}`);
      return fail('internal_error', 'The app could not complete the request.');
    }
  }

  return {
    wireChannels: [...byWire.keys()],
    dispatch: (wireChannel, sender, payload) => track(dispatchOne(wireChannel, sender, payload)),
    async settled() {
      // Calls that start while waiting (a last save after a delete) are waited for too.
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
