/**
 * The key hook process: the only code that loads uiohook-napi. It runs apart from main (an Electron utilityProcess
 * in the app, a Node child in tests; built to out/main/keyHook.cjs) because libuiohook ends its process when the X
 * server goes away or refuses it at start (Xlib's I/O error handler exits, a failed start aborts): here that ends
 * this process, which main sees, stops talking and falls back, instead of the app vanishing.
 *
 * Main sends `watch` with the codes of the shortcut; the process starts the hook on the first one and forwards
 * down/up events for exactly those codes. `stop`, a parent that goes away, or SIGTERM unhook and exit.
 */
import { existsSync } from 'node:fs';
import { fromKeyHookSchema, toKeyHookSchema, type FromKeyHookMessage } from './keyHookProtocol';
import { errorMessage } from '../../shared/errorMessage';

interface ParentPort {
  onMessage(listener: (message: unknown) => void): void;
  post(message: FromKeyHookMessage): void;
}

/** Electron's utilityProcess gives `process.parentPort`; a Node fork gives `process.send`. */
function parentPort(): ParentPort | null {
  const electronPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort !== undefined) {
    return {
      onMessage: (listener) => electronPort.on('message', (event) => listener(event.data)),
      post: (message) => electronPort.postMessage(message),
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined) return null;
  process.on('disconnect', () => shutdown(0));
  return {
    onMessage: (listener) => process.on('message', listener),
    post: (message) => void send(message),
  };
}

interface ElectronParentPort {
  on(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

interface UiohookEvent {
  readonly keycode?: number;
  readonly button?: unknown;
}

interface Uiohook {
  on(event: 'keydown' | 'keyup' | 'mousedown' | 'mouseup', listener: (event: UiohookEvent) => void): unknown;
  start(): void;
  stop(): void;
}

/**
 * A failed XOpenDisplay inside libuiohook aborts the process with no message, so the plain cases are checked first
 * and reported in words. A display that exists but refuses the hook still ends the process, which main reports.
 */
function displayProblem(env: NodeJS.ProcessEnv): string | null {
  if (process.platform !== 'linux') return null;
  const display = env['DISPLAY'];
  if (display === undefined || display === '') return 'no X display (DISPLAY is not set)';
  const local = /^(?:unix)?:(\d+)(?:\.\d+)?$/.exec(display);
  if (local !== null && !existsSync(`/tmp/.X11-unix/X${local[1]}`)) return `the X display ${display} is not running`;
  return null;
}

let hook: Uiohook | null = null;

function shutdown(code: number): never {
  try {
    hook?.stop();
  } catch {
    // Exiting anyway; the OS releases the hook with the process.
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const port = parentPort();
  if (port === null) {
    console.error('keyHook: start me as a child process (utilityProcess.fork or child_process.fork)');
    process.exit(2);
  }
  process.on('SIGTERM', () => shutdown(0));

  const fail = (message: string): never => {
    port.post(fromKeyHookSchema.parse({ type: 'error', message: message.slice(0, 400) }));
    // Let the message leave before the process does.
    setTimeout(() => process.exit(1), 50);
    throw new Error(message);
  };

  let watchedKeys = new Set<number>();
  let watchedButtons = new Set<number>();

  const start = async () => {
    const problem = displayProblem(process.env);
    if (problem !== null) return fail(problem);
    let loaded: Uiohook;
    try {
      loaded = ((await import('uiohook-napi')) as unknown as { uIOhook: Uiohook }).uIOhook;
    } catch (error) {
      return fail(`the key hook library did not load: ${errorMessage(error, 'unknown error')}`);
    }
    const forward = (device: 'key' | 'mouse', state: 'down' | 'up') => (event: UiohookEvent) => {
      const code = device === 'key' ? event.keycode : event.button;
      if (typeof code !== 'number') return;
      if (!(device === 'key' ? watchedKeys : watchedButtons).has(code)) return;
      port.post({ type: 'input', device, state, code });
    };
    loaded.on('keydown', forward('key', 'down'));
    loaded.on('keyup', forward('key', 'up'));
    loaded.on('mousedown', forward('mouse', 'down'));
    loaded.on('mouseup', forward('mouse', 'up'));
    try {
      loaded.start();
    } catch (error) {
      return fail(`the key hook did not start: ${errorMessage(error, 'unknown error')}`);
    }
    hook = loaded;
    port.post({ type: 'ready' });
  };

  let starting: Promise<void> | null = null;
  port.onMessage((raw) => {
    const parsed = toKeyHookSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'stop') shutdown(0);
    watchedKeys = new Set(message.keys);
    watchedButtons = new Set(message.buttons);
    starting ??= start().catch(() => undefined);
  });
}

void main();
