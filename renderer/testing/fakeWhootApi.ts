import {
  invokeChannelNames,
  type EventChannel,
  type EventPayloadOf,
  type InvokeChannel,
  type RequestOf,
  type ResponseOf,
  type WhootApi,
} from '../../shared/ipc';
import { fail, ok, type Result } from '../../shared/result';
import type { SessionState, SignInRequest, WorkspaceSummary } from '../../shared/session';

type Handler<Req, Res> = (request: Req) => Promise<Result<Res>>;

/**
 * A stand-in for `window.whoot` for store tests: records calls, lets a test script each answer, and emits events
 * the way the preload bridge would. Lives outside *.test.ts so every store test shares one faithful fake.
 */
export function createFakeWhootApi() {
  const listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  const calls = { status: 0, signIn: [] as SignInRequest[], signOut: 0 };
  const handlers: {
    status: Handler<void, SessionState>;
    signIn: Handler<SignInRequest, SessionState>;
    signOut: Handler<void, SessionState>;
  } = {
    status: async () => ok({ signedIn: false }),
    signIn: async () => ok({ signedIn: false }),
    signOut: async () => ok({ signedIn: false }),
  };

  /** Answers for the other channels, set per test with `answer()`; an unscripted call fails loudly. */
  const scripted = new Map<InvokeChannel, (request: never) => Promise<Result<unknown>>>();
  const requests: { channel: InvokeChannel; request: unknown }[] = [];
  const generic: Record<string, Record<string, (request: unknown) => Promise<Result<unknown>>>> = {};
  for (const name of invokeChannelNames) {
    const [namespace, method] = name.split('.') as [string, string];
    generic[namespace] ??= {};
    generic[namespace][method] = async (request: unknown) => {
      requests.push({ channel: name, request });
      const handler = scripted.get(name);
      return handler ? handler(request as never) : fail('not_scripted', `The test did not script ${name}.`);
    };
  }

  const api: WhootApi = {
    ...(generic as unknown as WhootApi),
    app: { info: async () => ok({ name: 'whoot', version: '0.0.0-test', platform: 'linux' }) },
    session: {
      ...(generic['session'] as unknown as WhootApi['session']),
      status: async () => {
        calls.status += 1;
        return handlers.status();
      },
      signIn: async (request) => {
        calls.signIn.push(request);
        return handlers.signIn(request);
      },
      signOut: async () => {
        calls.signOut += 1;
        return handlers.signOut();
      },
    },
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };

  return {
    api,
    calls,
    handlers,
    requests,
    answer<C extends InvokeChannel>(channel: C, handler: (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>) {
      scripted.set(channel, handler as (request: never) => Promise<Result<unknown>>);
    },
    emit<E extends EventChannel>(event: E, payload: EventPayloadOf<E>) {
      for (const listener of listeners.get(event) ?? []) (listener as (payload: EventPayloadOf<E>) => void)(payload);
    },
    listenerCount(event: EventChannel): number {
      return listeners.get(event)?.size ?? 0;
    },
  };
}

/** A promise the test settles by hand, to hold an IPC answer in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export const userId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
export const workspaceA = {
  id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51',
  slug: 'alpha',
  name: 'Alpha',
  role: 'owner',
} as const;
export const workspaceB = {
  id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a52',
  slug: 'beta',
  name: 'Beta',
  role: 'member',
} as const;

export function signedInState(workspaces: WorkspaceSummary[] = [workspaceA, workspaceB]): SessionState {
  return {
    signedIn: true,
    server: { host: 'voice.example.org', port: 8443 },
    user: { id: userId, email: 'ada@example.org', displayName: 'Ada' },
    workspaces,
  };
}

export const validInvite = {
  host: 'voice.example.org',
  port: 8443,
  spkiPin: 'A'.repeat(43),
  code: 'abcdefghijklmnopqrstuv',
} as const;
