import { Message, MessageType, NameFlag, sessionBus, Variant, type MessageBus } from 'dbus-next';
import { toDbusNextAddress } from '../dbusAddress';
import { disconnectBus, PORTAL } from '../globalShortcutsPortal';

/**
 * A GlobalShortcuts portal for tests, spoken over a real bus as xdg-desktop-portal speaks it (version property,
 * host Registry.Register, CreateSession, BindShortcuts, ListShortcuts, Request and Session objects, Response,
 * Activated, Deactivated and Closed sent to the session's owner only), standing in for the desktop and the person
 * at it: it records what it was asked, answers the shortcut dialog as the test says, and presses, releases and
 * closes when told. Not for the app: only tests import it.
 */

export interface BoundShortcut {
  readonly id: string;
  readonly description: string | null;
  readonly preferredTrigger: string | null;
}

export type PortalCall =
  | { readonly member: 'Register'; readonly appId: string }
  | { readonly member: 'CreateSession'; readonly session: string }
  | { readonly member: 'BindShortcuts'; readonly session: string; readonly shortcuts: readonly BoundShortcut[] }
  | { readonly member: 'ListShortcuts'; readonly session: string }
  | { readonly member: 'Close'; readonly session: string }
  | { readonly member: 'RequestClose'; readonly request: string };

/** How the "dialog" answers BindShortcuts. */
export type BindAnswer =
  /** `thenPress`: the key goes down right as the dialog closes (Activated right behind the Response). */
  | { readonly kind: 'bound'; readonly triggerDescription?: string; readonly thenPress?: boolean }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed' }
  /** Never answers, as a dialog left open. */
  | { readonly kind: 'pending' };

export interface TestPortalOptions {
  readonly busAddress: string;
  readonly version?: number;
  /** Whether org.freedesktop.host.portal.Registry exists (xdg-desktop-portal 1.19+). */
  readonly registry?: boolean;
}

export interface TestPortal {
  readonly calls: readonly PortalCall[];
  /** Open sessions, oldest first. */
  sessions(): string[];
  /** The unique bus name of the client that opened the newest session. */
  clientName(): string;
  bindAnswer: BindAnswer;
  /** Activated for the newest session's push-to-talk, unless told another session or id. */
  activate(target?: { session?: string; shortcutId?: string }): void;
  deactivate(target?: { session?: string; shortcutId?: string }): void;
  /** The desktop ends the session (Session::Closed), as when the user revokes it. */
  closeSession(session?: string): void;
  /** Any signal from the portal's connection to the session's owner: for malformed bodies. */
  emitRaw(signal: { path: string; iface: string; member: string; signature: string; body: unknown[] }): void;
  stop(): Promise<void>;
}

interface Session {
  readonly owner: string;
  shortcuts: BoundShortcut[];
}

const pathElement = /^[A-Za-z0-9_]+$/;

export async function startTestPortal(options: TestPortalOptions): Promise<TestPortal> {
  const address = toDbusNextAddress(options.busAddress);
  if (address === null) throw new Error(`cannot open ${options.busAddress}`);
  const bus: MessageBus = sessionBus({ busAddress: address });
  bus.on('error', () => undefined);
  await new Promise<void>((resolve) => bus.once('connect', () => resolve()));
  const owned = await bus.requestName(PORTAL.busName, NameFlag.DO_NOT_QUEUE);
  if (owned !== 1) throw new Error(`could not own ${PORTAL.busName} (reply ${owned})`);

  const calls: PortalCall[] = [];
  // Connections that have called the portal, which then may no longer register.
  const callers = new Set<string>();
  const sessions = new Map<string, Session>();
  const version = options.version ?? 1;
  const senderElement = (sender: string) => sender.slice(1).replaceAll('.', '_');

  const reply = (call: Message, signature = '', body: unknown[] = []) =>
    bus.send(Message.newMethodReturn(call, signature, body));
  const error = (call: Message, name: string, text: string) =>
    bus.send(Message.newError(call as unknown as string, name, text));
  const signal = (
    destination: string,
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: unknown[],
  ) => {
    const message = Message.newSignal(path, iface, member, signature, body);
    message.destination = destination;
    bus.send(message);
  };
  const vardictString = (dict: unknown, key: string): string | null => {
    const value = (dict as Record<string, Variant | undefined>)[key];
    return value instanceof Variant && value.signature === 's' && typeof value.value === 'string' ? value.value : null;
  };

  /** Replies with the request handle, then answers on it, as the portal does (unless the answer is to wait). */
  const requestFor = (call: Message, options: unknown, respond: ((path: string) => void) | null) => {
    const given = vardictString(options, 'handle_token');
    const token = given !== null && pathElement.test(given) ? given : `t${Math.random().toString(36).slice(2)}`;
    const path = `${PORTAL.path}/request/${senderElement(call.sender)}/${token}`;
    reply(call, 'o', [path]);
    respond?.(path);
    return path;
  };
  const response = (to: string, path: string, code: number, results: Record<string, Variant>) =>
    signal(to, path, PORTAL.request, 'Response', 'ua{sv}', [code, results]);
  const ownSession = (call: Message, path: unknown): string | null => {
    if (typeof path !== 'string' || sessions.get(path)?.owner !== call.sender) {
      error(call, 'org.freedesktop.portal.Error.NotAllowed', 'not your session');
      return null;
    }
    return path;
  };

  const handle = (call: Message): boolean => {
    if (call.type !== MessageType.METHOD_CALL) return false;
    if (call.interface !== PORTAL.registry) callers.add(call.sender);
    const iface = call.interface;
    if (iface === 'org.freedesktop.DBus.Properties' && call.path === PORTAL.path) {
      const [target, property] = call.body as [unknown, unknown];
      if (call.member === 'Get' && target === PORTAL.globalShortcuts && property === 'version') {
        reply(call, 'v', [new Variant('u', version)]);
      } else if (call.member === 'GetAll' && target === PORTAL.globalShortcuts) {
        reply(call, 'a{sv}', [{ version: new Variant('u', version) }]);
      } else {
        error(call, 'org.freedesktop.DBus.Error.InvalidArgs', 'No such interface or property');
      }
      return true;
    }
    if (iface === PORTAL.registry && call.path === PORTAL.path && options.registry === true) {
      if (call.member !== 'Register' || call.signature !== 'sa{sv}') return false;
      // As the spec says: once, and before any other call to the portal on that connection.
      if (callers.has(call.sender)) {
        error(call, 'org.freedesktop.portal.Error.Failed', 'registering must come before any portal call, once');
        return true;
      }
      callers.add(call.sender);
      calls.push({ member: 'Register', appId: String(call.body[0]) });
      reply(call);
      return true;
    }
    if (iface === PORTAL.globalShortcuts && call.path === PORTAL.path) return globalShortcuts(call);
    if (iface === PORTAL.session && call.member === 'Close' && sessions.has(call.path)) {
      if (ownSession(call, call.path) === null) return true;
      sessions.delete(call.path);
      calls.push({ member: 'Close', session: call.path });
      reply(call);
      return true;
    }
    if (iface === PORTAL.request && call.member === 'Close' && call.path.startsWith(`${PORTAL.path}/request/`)) {
      calls.push({ member: 'RequestClose', request: call.path });
      reply(call);
      return true;
    }
    return false;
  };

  const globalShortcuts = (call: Message): boolean => {
    if (call.member === 'CreateSession' && call.signature === 'a{sv}') {
      const [options] = call.body as [unknown];
      const given = vardictString(options, 'session_handle_token');
      const token = given !== null && pathElement.test(given) ? given : `s${Math.random().toString(36).slice(2)}`;
      const session = `${PORTAL.path}/session/${senderElement(call.sender)}/${token}`;
      sessions.set(session, { owner: call.sender, shortcuts: [] });
      calls.push({ member: 'CreateSession', session });
      requestFor(call, options, (path) =>
        response(call.sender, path, 0, { session_handle: new Variant('s', session) }),
      );
      return true;
    }
    if (call.member === 'BindShortcuts' && call.signature === 'oa(sa{sv})sa{sv}') {
      const [path, list, , options] = call.body as [unknown, [string, unknown][], string, unknown];
      const session = ownSession(call, path);
      if (session === null) return true;
      const shortcuts = list.map(([id, info]) => ({
        id,
        description: vardictString(info, 'description'),
        preferredTrigger: vardictString(info, 'preferred_trigger'),
      }));
      calls.push({ member: 'BindShortcuts', session, shortcuts });
      const answer = portal.bindAnswer;
      requestFor(call, options, (request) => {
        if (answer.kind === 'pending') return;
        if (answer.kind === 'cancelled') return response(call.sender, request, 1, {});
        if (answer.kind === 'failed') return response(call.sender, request, 2, {});
        const state = sessions.get(session);
        if (state !== undefined) state.shortcuts = shortcuts;
        response(call.sender, request, 0, { shortcuts: shortcutList(shortcuts, answer.triggerDescription) });
        if (answer.thenPress === true) shortcutSignal('Activated', { session });
      });
      return true;
    }
    if (call.member === 'ListShortcuts' && call.signature === 'oa{sv}') {
      const [path, options] = call.body as [unknown, unknown];
      const session = ownSession(call, path);
      if (session === null) return true;
      calls.push({ member: 'ListShortcuts', session });
      requestFor(call, options, (request) =>
        response(call.sender, request, 0, {
          shortcuts: shortcutList(sessions.get(session)?.shortcuts ?? [], undefined),
        }),
      );
      return true;
    }
    return false;
  };

  bus.addMethodHandler(handle);

  const target = (which?: { session?: string; shortcutId?: string }) => {
    const session = which?.session ?? [...sessions.keys()].at(-1);
    if (session === undefined) throw new Error('no portal session is open');
    const owner = sessions.get(session)?.owner ?? [...sessions.values()].at(-1)?.owner;
    if (owner === undefined) throw new Error('no portal session is open');
    return { session, owner, id: which?.shortcutId ?? 'push-to-talk' };
  };
  const shortcutSignal = (member: 'Activated' | 'Deactivated', which?: { session?: string; shortcutId?: string }) => {
    const { session, owner, id } = target(which);
    signal(owner, PORTAL.path, PORTAL.globalShortcuts, member, 'osta{sv}', [session, id, BigInt(Date.now()), {}]);
  };

  const portal: TestPortal = {
    calls,
    sessions: () => [...sessions.keys()],
    clientName: () => target().owner,
    bindAnswer: { kind: 'bound' },
    activate: (which) => shortcutSignal('Activated', which),
    deactivate: (which) => shortcutSignal('Deactivated', which),
    closeSession(session) {
      const { session: path, owner } = target(session === undefined ? undefined : { session });
      sessions.delete(path);
      signal(owner, path, PORTAL.session, 'Closed', 'a{sv}', [{}]);
    },
    emitRaw({ path, iface, member, signature, body }) {
      signal(target().owner, path, iface, member, signature, body);
    },
    async stop() {
      bus.removeMethodHandler(handle);
      disconnectBus(bus);
    },
  };
  return portal;
}

function shortcutList(shortcuts: readonly BoundShortcut[], triggerDescription: string | undefined) {
  return new Variant(
    'a(sa{sv})',
    shortcuts.map((shortcut) => [
      shortcut.id,
      {
        description: new Variant('s', shortcut.description ?? ''),
        ...(triggerDescription === undefined ? {} : { trigger_description: new Variant('s', triggerDescription) }),
      },
    ]),
  );
}
