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

/** The real process: stdout, stderr, process.env, SIGINT and SIGTERM (a second signal exits at once). */
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
    waitForStop: () =>
      new Promise((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          const force = (again: NodeJS.Signals) => {
            process.stderr.write(`${again} again: exiting without waiting for connections to close\n`);
            process.exit(EXIT_FAILED);
          };
          process.once('SIGINT', force);
          process.once('SIGTERM', force);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }),
  };
}
