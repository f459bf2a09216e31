/**
 * What the CLI touches of its process, passed in so tests run every command in-process with captured output, a
 * chosen environment and a stop signal they trigger themselves.
 */
export interface CliIo {
  /** Results: the invite link, reports. One line per call. */
  out(line: string): void;
  /** Errors, progress and the server log. One line per call. */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** All of standard input as text (for --password-stdin). */
  readStdin(): Promise<string>;
  /** Resolves on the first request to stop (SIGINT or SIGTERM in a real process) with the signal's name. */
  waitForStop(): Promise<string>;
}

/** How the help text names the program. */
export const PROGRAM = 'node out/server/cli.cjs';

/** Exit codes: 0 done; 1 the operation failed (or found tampering); 2 bad usage or configuration. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI reports as one line and an exit code, without a stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}

/** The real process: stdout, stderr, process.env, SIGINT and SIGTERM (a deliberate second signal exits at once). */
export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    },
    waitForStop: () => untilStopSignal(process, { now: () => Date.now(), exit: (code) => process.exit(code) }),
  };
}

/**
 * One Ctrl-C reaches a command run through wrappers more than once: the terminal signals the whole process group,
 * and npm and tsx each forward the signal to their child as well. Those copies arrive within moments of each other
 * (later on a loaded machine), so a repeat inside this window is the same keystroke; only a signal after it means
 * "stop waiting".
 */
export const REPEATED_SIGNAL_WINDOW_MS = 2_000;

interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Resolves on the first SIGINT or SIGTERM; a later one, past the repeat window, exits at once. */
export function untilStopSignal(
  source: SignalSource,
  clock: { readonly now: () => number; readonly exit: (code: number) => void },
): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt === undefined) {
        firstAt = clock.now();
        resolve(signal);
        return;
      }
      if (clock.now() - firstAt < REPEATED_SIGNAL_WINDOW_MS) return;
      process.stderr.write(`${signal} again: exiting without waiting for connections to close\n`);
      clock.exit(EXIT_FAILED);
    };
    source.on('SIGINT', onSignal);
    source.on('SIGTERM', onSignal);
  });
}
