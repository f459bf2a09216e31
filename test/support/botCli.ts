import { spawn } from 'node:child_process';

/*
 * `npm run bot` as a person runs it, for the suites that check it against a real server: a separate process (npm,
 * tsx, node) in its own process group, and readers for what it prints.
 */

export interface Run {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  interrupt(): void;
}

/** `npm run bot -- …` in its own process group, so an interrupt reaches npm, tsx and node like Ctrl-C would. */
export function runBotCli(args: readonly string[], watchdogMs = 60_000): Run {
  const child = spawn('npm', ['run', '--silent', 'bot', '--', ...args], {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WHOOT_BOT_PASSWORD: undefined },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const watchdog = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), watchdogMs);
  void exited.then(() => clearTimeout(watchdog));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
  };
}

export const account = (name: string) => [
  '--sign-up',
  '--name',
  name,
  '--email',
  `${name}@example.com`,
  '--password',
  `password-of-${name}`,
];

/** The CLI's own user id, from its `signed in as "…" user=… workspace=…` line. */
export const cliUserId = (stdout: string) => /^signed in as "[^"]*" user=(\S+) /m.exec(stdout)?.[1] ?? '';

/** The `hear` lines about one user: `t=2s hear user=… name="…" level=0.213 dbfs=-13.4 freq=660Hz state=… path=…`. */
export function hearLines(stdout: string, userId: string) {
  return stdout
    .split('\n')
    .filter((line) => line.includes(` hear user=${userId} `))
    .map((line) => ({
      name: /name="([^"]*)"/.exec(line)?.[1],
      level: Number(/level=([0-9.]+)/.exec(line)?.[1]),
      freq: /freq=(\S+)/.exec(line)?.[1],
      state: /state=(\S+)/.exec(line)?.[1],
      path: /path=(\S+)/.exec(line)?.[1],
    }));
}
