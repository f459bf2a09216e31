import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DBusError, Message, MessageFlag, sessionBus, Variant, type MessageBus, type MessageLike } from 'dbus-next';
import { z } from 'zod';
import { toDbusNextAddress } from './dbusAddress';
import { toPortalTrigger } from './portalTrigger';
import { errorMessage } from '../../shared/errorMessage';

/**
 * Push-to-talk through the XDG GlobalShortcuts portal: the Wayland way to hear a key pressed and released in any
 * window (org.freedesktop.portal.GlobalShortcuts, version 1 and up). One bind is one private session bus connection
 * and one portal session holding one shortcut; closing it closes both. Everything that arrives from the bus is
 * checked (sender, path, signature, our session handle, our shortcut id) before it is used: any client on the
 * session bus can send us a signal, and only the portal's may move the microphone.
 */

export const PORTAL = {
  busName: 'org.freedesktop.portal.Desktop',
  path: '/org/freedesktop/portal/desktop',
  globalShortcuts: 'org.freedesktop.portal.GlobalShortcuts',
  request: 'org.freedesktop.portal.Request',
  session: 'org.freedesktop.portal.Session',
  registry: 'org.freedesktop.host.portal.Registry',
} as const;

export const PUSH_TO_TALK_SHORTCUT_ID = 'push-to-talk';

export interface PortalShortcutEvents {
  onPress(): void;
  onRelease(): void;
  /** The desktop ended the session, or the portal or the bus went away: no release will follow. Not after close(). */
  onClosed(reason: string): void;
}

export interface PortalShortcut {
  /** How the desktop says the shortcut is triggered ("Ctrl+F9"), or null when it did not say. */
  readonly triggerDescription: string | null;
  /** Closes the portal session and the bus connection; no event follows. */
  close(): void;
}

export type PortalBindResult =
  | { readonly ok: true; readonly shortcut: PortalShortcut }
  /** `reason` completes "Hold-to-talk is not possible: ..., and <reason>"; `cancelled` when the user said no. */
  | { readonly ok: false; readonly reason: string; readonly cancelled: boolean };

/** What the push-to-talk controller needs of the portal (the app passes the real one on Linux). */
export interface GlobalShortcutsPortalPort {
  /** Binds `key` (whoot's shortcut text) as the push-to-talk shortcut; the signal abandons a bind still waiting. */
  bind(key: string, events: PortalShortcutEvents, signal?: AbortSignal): Promise<PortalBindResult>;
}

export interface GlobalShortcutsPortalOptions {
  /** DBUS_SESSION_BUS_ADDRESS. */
  readonly busAddress: string | undefined;
  /**
   * The desktop file id without ".desktop", which xdg-desktop-portal 1.19+ asks a host (not sandboxed) app to
   * register before it names the app in its dialog and settings; null skips registering.
   */
  readonly appId: string | null;
  /** Shown by the desktop beside the shortcut. */
  readonly description: string;
  /** For each answer that needs no person: connecting, the version, creating the session. */
  readonly answerTimeoutMs?: number;
  /** BindShortcuts may show a dialog and wait for the user. */
  readonly dialogTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

// A missing portal must not hold up push-to-talk at start; D-Bus activation of xdg-desktop-portal takes well under this.
const DEFAULT_ANSWER_TIMEOUT_MS = 5_000;
const DEFAULT_DIALOG_TIMEOUT_MS = 5 * 60_000;

export function globalShortcutsPortal(options: GlobalShortcutsPortalOptions): GlobalShortcutsPortalPort {
  return { bind: (key, events, signal) => bindShortcut(options, key, events, signal) };
}

class PortalFailure extends Error {
  constructor(
    message: string,
    readonly cancelled = false,
  ) {
    super(message);
  }
}

const objectPath = z.string().regex(/^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/);
const variant = z.instanceof(Variant);
const vardict = z.record(z.string(), variant);
const responseBody = z.tuple([z.number().int().min(0), vardict]);
const shortcutSignalBody = z.tuple([z.string(), z.string(), z.bigint(), vardict]);
const boundShortcuts = z.array(z.tuple([z.string(), vardict]));
const nameOwnerChangedBody = z.tuple([z.string(), z.string(), z.string()]);

async function bindShortcut(
  options: GlobalShortcutsPortalOptions,
  key: string,
  events: PortalShortcutEvents,
  signal: AbortSignal | undefined,
): Promise<PortalBindResult> {
  const log = options.log ?? (() => undefined);
  const answerMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  const dialogMs = options.dialogTimeoutMs ?? DEFAULT_DIALOG_TIMEOUT_MS;
  const trigger = toPortalTrigger(key);
  if (trigger === null) {
    return failed(`${key} is not a key, and the desktop's global shortcuts bind keys only`);
  }
  if ((options.busAddress ?? '') === '') {
    return failed('there is no D-Bus session bus to reach the desktop portal (DBUS_SESSION_BUS_ADDRESS is not set)');
  }
  const address = toDbusNextAddress(options.busAddress ?? '');
  if (address === null) return failed('the D-Bus session bus address is not one whoot can open');

  let connection: Connection;
  try {
    connection = await openConnection(address, answerMs, signal);
  } catch (error) {
    return failed(reasonOf(error), error instanceof PortalFailure && error.cancelled);
  }
  let sessionHandle: string | null = null;
  let stopEarly: () => void = () => undefined;
  try {
    await connection.call(matchRule(`sender='${PORTAL.busName}',path_namespace='${PORTAL.path}'`), answerMs);
    await connection.call(
      matchRule(`sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${PORTAL.busName}'`),
      answerMs,
    );
    // The registry refuses a connection that already called the portal, so this goes first.
    if (options.appId !== null) await registerHost(connection, options.appId, answerMs, log);
    const version = await portalVersion(connection, answerMs);
    const owner = await portalOwner(connection, answerMs);
    log(`global shortcuts portal: version ${version} at ${owner}`);

    const created = await request(connection, owner, answerMs, (handleToken) => ({
      member: 'CreateSession',
      signature: 'a{sv}',
      body: [
        {
          handle_token: new Variant('s', handleToken),
          session_handle_token: new Variant('s', token()),
        },
      ],
    }));
    if (created.code !== 0) throw new PortalFailure(`the desktop portal refused a global shortcuts session`);
    const handle = created.results['session_handle'];
    const parsedHandle = objectPath.safeParse(handle?.value);
    if (handle === undefined || !['s', 'o'].includes(handle.signature) || !parsedHandle.success) {
      throw new PortalFailure('the desktop portal answered CreateSession without a session handle');
    }
    sessionHandle = parsedHandle.data;
    const session = sessionHandle;

    // dbus-next hands over every message of one socket read at once: a press right behind the dialog's Response
    // would be dispatched before listen() below exists. Kept here, replayed there in order.
    const early: Message[] = [];
    stopEarly = connection.onSignal((message) => early.push(message));
    const bound = await request(connection, owner, dialogMs, (handleToken) => ({
      member: 'BindShortcuts',
      signature: 'oa(sa{sv})sa{sv}',
      body: [
        session,
        [
          [
            PUSH_TO_TALK_SHORTCUT_ID,
            { description: new Variant('s', options.description), preferred_trigger: new Variant('s', trigger) },
          ],
        ],
        '',
        { handle_token: new Variant('s', handleToken) },
      ],
    }));
    if (bound.code === 1) {
      throw new PortalFailure("you cancelled the desktop's global shortcut dialog", true);
    }
    if (bound.code !== 0) throw new PortalFailure(`the desktop did not bind ${key} as a global shortcut`);
    const triggerDescription = describedTrigger(bound.results['shortcuts'], key);
    stopEarly();
    return { ok: true, shortcut: listen(connection, owner, session, events, triggerDescription, early) };
  } catch (error) {
    stopEarly();
    if (sessionHandle !== null) connection.send(closeSession(sessionHandle));
    connection.end();
    const reason = reasonOf(error);
    log(`global shortcuts portal: ${reason}`);
    return failed(reason, error instanceof PortalFailure && error.cancelled);
  }
}

/** After a successful bind: press and release for our session and shortcut only, and the ways it can end. */
function listen(
  connection: Connection,
  owner: string,
  session: string,
  events: PortalShortcutEvents,
  triggerDescription: string | null,
  early: readonly Message[],
): PortalShortcut {
  let open = true;
  // Replayed (with whatever arrives meanwhile) only once the caller has the shortcut in hand, so it never hears of
  // a press or a close before it knows the bind succeeded.
  const backlog = [...early];
  let replayed = false;
  const end = (reason: string | null) => {
    if (!open) return;
    open = false;
    stopListening();
    if (reason === null) connection.send(closeSession(session));
    connection.end();
    if (reason !== null) events.onClosed(reason);
  };
  const handle = (message: Message) => {
    if (!open) return;
    if (isPortalSignal(message, owner, PORTAL.path, PORTAL.globalShortcuts)) {
      if (message.member !== 'Activated' && message.member !== 'Deactivated') return;
      if (message.signature !== 'osta{sv}') return;
      const body = shortcutSignalBody.safeParse(message.body);
      if (!body.success || body.data[0] !== session || body.data[1] !== PUSH_TO_TALK_SHORTCUT_ID) return;
      if (message.member === 'Activated') events.onPress();
      else events.onRelease();
      return;
    }
    if (isPortalSignal(message, owner, session, PORTAL.session) && message.member === 'Closed') {
      end('the desktop closed the global shortcuts session');
      return;
    }
    if (
      message.sender === 'org.freedesktop.DBus' &&
      message.interface === 'org.freedesktop.DBus' &&
      message.member === 'NameOwnerChanged' &&
      message.signature === 'sss'
    ) {
      const body = nameOwnerChangedBody.safeParse(message.body);
      if (body.success && body.data[0] === PORTAL.busName && body.data[2] !== owner) {
        end('the desktop portal stopped');
      }
    }
  };
  const stopListening = connection.onSignal((message) => {
    if (replayed) handle(message);
    else backlog.push(message);
  });
  setImmediate(() => {
    replayed = true;
    for (const message of backlog.splice(0)) handle(message);
  });
  connection.onLost((reason) => end(`the D-Bus connection to the desktop portal was lost (${reason})`));
  return { triggerDescription, close: () => end(null) };
}

function isPortalSignal(message: Message, owner: string, path: string, iface: string): boolean {
  return message.sender === owner && message.path === path && message.interface === iface;
}

/** trigger_description may be missing or empty (a desktop that does not say, or a shortcut left unset). */
function describedTrigger(shortcuts: Variant | undefined, key: string): string | null {
  if (shortcuts === undefined) return null;
  const list = shortcuts.signature === 'a(sa{sv})' ? boundShortcuts.safeParse(shortcuts.value) : null;
  if (list === null || !list.success)
    throw new PortalFailure('the desktop portal answered BindShortcuts with nonsense');
  const ours = list.data.find(([id]) => id === PUSH_TO_TALK_SHORTCUT_ID);
  // A list without ours: the user left it unbound in the dialog, so no key would ever reach whoot.
  if (ours === undefined) throw new PortalFailure(`the desktop's dialog left ${key} unbound`, true);
  const description = ours[1]['trigger_description'];
  if (description?.signature !== 's' || typeof description.value !== 'string') return null;
  // Shown in the settings: printable text only, and short.
  const text = description.value
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, 80);
  return text === '' ? null : text;
}

async function portalVersion(connection: Connection, timeoutMs: number): Promise<number> {
  let reply: Message;
  try {
    reply = await connection.call(
      {
        destination: PORTAL.busName,
        path: PORTAL.path,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Get',
        signature: 'ss',
        body: [PORTAL.globalShortcuts, 'version'],
      },
      timeoutMs,
    );
  } catch (error) {
    if (error instanceof DBusError) {
      if (error.type === 'org.freedesktop.DBus.Error.ServiceUnknown') {
        throw new PortalFailure('the desktop portal (xdg-desktop-portal) is not running');
      }
      throw new PortalFailure(
        "the desktop's portal has no global shortcuts (it needs GNOME 48+, KDE Plasma 6, Hyprland or similar)",
      );
    }
    throw error;
  }
  const value: unknown = reply.signature === 'v' && reply.body[0] instanceof Variant ? reply.body[0] : null;
  const version =
    value instanceof Variant && value.signature === 'u' ? z.number().int().min(1).safeParse(value.value) : null;
  if (version === null || !version.success)
    throw new PortalFailure('the desktop portal gave no global shortcuts version');
  return version.data;
}

async function portalOwner(connection: Connection, timeoutMs: number): Promise<string> {
  const reply = await connection.call(
    {
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'GetNameOwner',
      signature: 's',
      body: [PORTAL.busName],
    },
    timeoutMs,
  );
  const owner = z.tuple([z.string().startsWith(':')]).safeParse(reply.body);
  if (reply.signature !== 's' || !owner.success)
    throw new PortalFailure('the bus did not say who runs the desktop portal');
  return owner.data[0];
}

/**
 * Registry.Register exists from xdg-desktop-portal 1.19; older ones, and sandboxed apps, do without. A portal that
 * is not running is reported by the version check that follows.
 */
async function registerHost(
  connection: Connection,
  appId: string,
  timeoutMs: number,
  log: (message: string) => void,
): Promise<void> {
  try {
    await connection.call(
      {
        destination: PORTAL.busName,
        path: PORTAL.path,
        interface: PORTAL.registry,
        member: 'Register',
        signature: 'sa{sv}',
        body: [appId, {}],
      },
      timeoutMs,
    );
  } catch (error) {
    if (error instanceof DBusError) {
      if (!/UnknownMethod|UnknownInterface|UnknownObject|ServiceUnknown/.test(error.type)) {
        log(`global shortcuts portal: registering as ${appId} failed (${error.type}); going on unregistered`);
      }
      return;
    }
    throw error;
  }
}

/**
 * One portal request: the Response is awaited on the request path derived from our unique name and a fresh token,
 * listened for BEFORE the call (the portal may answer before the method returns); a portal that returns another
 * handle (before xdg-desktop-portal 0.9) is listened for at that one too.
 */
async function request(
  connection: Connection,
  owner: string,
  timeoutMs: number,
  build: (handleToken: string) => Pick<MessageLike, 'member' | 'signature' | 'body'>,
): Promise<{ code: number; results: Record<string, Variant> }> {
  const handleToken = token();
  const paths = new Set([
    `${PORTAL.path}/request/${connection.uniqueName.slice(1).replaceAll('.', '_')}/${handleToken}`,
  ]);
  let resolveResponse: (response: { code: number; results: Record<string, Variant> }) => void = () => undefined;
  const response = new Promise<{ code: number; results: Record<string, Variant> }>((resolve) => {
    resolveResponse = resolve;
  });
  const stop = connection.onSignal((message) => {
    if (message.sender !== owner || message.interface !== PORTAL.request || message.member !== 'Response') return;
    if (!paths.has(message.path) || message.signature !== 'ua{sv}') return;
    const body = responseBody.safeParse(message.body);
    if (body.success) resolveResponse({ code: body.data[0], results: body.data[1] });
  });
  try {
    const reply = await connection.call(
      { destination: PORTAL.busName, path: PORTAL.path, interface: PORTAL.globalShortcuts, ...build(handleToken) },
      timeoutMs,
    );
    const handle = objectPath.safeParse(reply.body[0]);
    if (reply.signature !== 'o' || !handle.success)
      throw new PortalFailure('the desktop portal answered with nonsense');
    paths.add(handle.data);
    try {
      return await connection.wait(response, timeoutMs);
    } catch (error) {
      // Closes a dialog nobody answered, or one whoot no longer waits for.
      for (const path of paths)
        connection.send(new Message({ destination: owner, path, interface: PORTAL.request, member: 'Close' }));
      throw error;
    }
  } finally {
    stop();
  }
}

function closeSession(session: string): Message {
  return new Message({
    destination: PORTAL.busName,
    path: session,
    interface: PORTAL.session,
    member: 'Close',
    flags: MessageFlag.NO_REPLY_EXPECTED,
  });
}

function matchRule(rule: string): MessageLike {
  return {
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'AddMatch',
    signature: 's',
    body: [`type='signal',${rule}`],
  };
}

/** Request and session tokens must be object path elements; random, so two binds never share a path. */
const token = () => `whoot_${randomBytes(8).toString('hex')}`;

function failed(reason: string, cancelled = false): PortalBindResult {
  return { ok: false, reason, cancelled };
}

function reasonOf(error: unknown): string {
  if (error instanceof PortalFailure) return error.message;
  if (error instanceof DBusError) return `the desktop portal failed (${error.type})`;
  return `the desktop portal could not be reached (${errorMessage(error, 'unknown error')})`;
}

/**
 * A session bus connection whose every wait ends: dbus-next leaves a call pending forever when the bus goes away,
 * so each call, and each wait for a signal, has a time limit and ends when the connection does.
 */
interface Connection {
  readonly uniqueName: string;
  call(message: MessageLike, timeoutMs: number): Promise<Message>;
  send(message: Message): void;
  wait<T>(promise: Promise<T>, timeoutMs: number, who?: string): Promise<T>;
  /** Every signal and method call addressed to us; returns the unsubscribe. */
  onSignal(listener: (message: Message) => void): () => void;
  onLost(listener: (reason: string) => void): void;
  end(): void;
}

/**
 * dbus-next goes on handling messages that arrive after disconnect(), and answering a method call then throws from
 * inside the socket's data handler: an uncaught exception. Its handler is detached first (a private field of a
 * library no longer released, so checked before use).
 */
export function disconnectBus(bus: MessageBus): void {
  busStream(bus)?.removeAllListeners('message');
  bus.disconnect();
}

/** dbus-next's connection object, whose 'end' (the bus hung up) its MessageBus does not pass on. */
function busStream(bus: MessageBus): EventEmitter | null {
  const connection: unknown = Reflect.get(bus, '_connection');
  return connection instanceof EventEmitter ? connection : null;
}

function openConnection(address: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Connection> {
  let bus: MessageBus;
  try {
    bus = sessionBus({ busAddress: address });
  } catch (error) {
    return Promise.reject(
      new PortalFailure(`the D-Bus session bus could not be opened (${errorMessage(error, 'unknown')})`),
    );
  }
  const signalListeners = new Set<(message: Message) => void>();
  const lostListeners = new Set<(reason: string) => void>();
  const waiting = new Set<(error: Error) => void>();
  let ended = false;
  let lostReason: string | null = null;

  const finish = (error: Error) => {
    for (const reject of [...waiting]) reject(error);
  };
  const onAbort = () => finish(new PortalFailure('whoot stopped waiting for the desktop portal'));
  signal?.addEventListener('abort', onAbort, { once: true });

  const lose = (reason: string) => {
    if (ended || lostReason !== null) return;
    lostReason = reason;
    finish(new PortalFailure(`the D-Bus session bus failed (${reason})`));
    for (const listener of [...lostListeners]) listener(reason);
  };
  // An unhandled 'error' would take the main process down with it.
  bus.on('error', (error: unknown) => lose(errorMessage(error, 'connection error')));
  busStream(bus)?.once('end', () => lose('the bus closed the connection'));
  bus.on('message', (message: Message) => {
    if (ended) return;
    for (const listener of [...signalListeners]) listener(message);
  });

  const wait = <T>(promise: Promise<T>, ms: number, who = 'the desktop portal'): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (ended || lostReason !== null) return reject(new PortalFailure('the D-Bus connection is closed'));
      if (signal?.aborted === true) return reject(new PortalFailure('whoot stopped waiting for the desktop portal'));
      const settle = () => {
        clearTimeout(timer);
        waiting.delete(fail);
      };
      const fail = (error: Error) => {
        settle();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new PortalFailure(`${who} did not answer within ${Math.round(ms / 1000)} s`)),
        ms,
      );
      waiting.add(fail);
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });

  const connection: Connection = {
    get uniqueName() {
      return (bus as MessageBus & { name: string | null }).name ?? '';
    },
    call: async (message, ms) => {
      const reply = await wait(bus.call(new Message(message)), ms);
      if (reply === null) throw new PortalFailure('the D-Bus call got no reply');
      return reply;
    },
    send: (message) => {
      if (ended || lostReason !== null) return;
      try {
        bus.send(message);
      } catch {
        // A closing stream: the session ends with the connection anyway.
      }
    },
    wait,
    onSignal: (listener) => {
      signalListeners.add(listener);
      return () => signalListeners.delete(listener);
    },
    onLost: (listener) => void lostListeners.add(listener),
    end: () => {
      if (ended) return;
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      finish(new PortalFailure('the D-Bus connection is closed'));
      signalListeners.clear();
      lostListeners.clear();
      disconnectBus(bus);
    },
  };

  const connected = new Promise<void>((resolve) => bus.once('connect', () => resolve()));
  return wait(connected, timeoutMs, 'the D-Bus session bus').then(
    () => connection,
    (error: unknown) => {
      connection.end();
      throw error;
    },
  );
}
