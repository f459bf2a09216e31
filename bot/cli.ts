/**
 * `npm run bot -- --join <invite> ...` (tsx bot/cli.ts). The logic is runBot in runBot.ts; this file binds it to
 * the real process, with the server CLI's io (stdout, stderr, SIGINT and SIGTERM).
 */
import { processIo } from '../main/server/cli/io';
import { runBot } from './runBot';
import { errorMessage } from '../shared/errorMessage';

void runBot(process.argv.slice(2), processIo()).then(
  // Exit explicitly: @roamhq/wrtc 0.10 segfaults when a process that used it ends by draining its event loop (its
  // native threads are torn down after the module), while process.exit() ends it cleanly.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`whoot bot: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
