/**
 * The headless server entry: `node out/server/cli.cjs --config whoot.server.json [command]` (built by
 * `vite build --mode server`), or `npx tsx main/server/cli.ts …` from source. The logic is `runCli` in cli/run.ts,
 * which tests call in-process; this file only binds it to the real process.
 */
import { processIo } from './cli/io';
import { runCli } from './cli/run';
import { errorMessage } from '../../shared/errorMessage';

void runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
    // Whatever still holds the event loop open (a stray keep-alive, a native handle) must not keep a finished
    // command running; the timer is unref'd, so a process with nothing left exits at once without it.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`whoot: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
