// `npm start`, after `npm run build`: runs the built app (out/) in Electron, serving the renderer from app://.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electronBinary.mjs';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));

const electron = findElectronBinary();
if (!electron.found) {
  console.error(electron.message);
  process.exit(1);
}
// Electron starts package.json's "main"; checking it here turns a missing build into a clear message.
const mainEntry = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).main;
if (typeof mainEntry !== 'string' || !existsSync(join(projectRoot, mainEntry))) {
  console.error(`whoot: ${mainEntry} is missing; run \`npm run build\` first (\`npm start\` does both).`);
  process.exit(1);
}

const env = { ...process.env };
// Inherited from an editor or another Electron tool, this would make Electron run the app as plain Node.
delete env.ELECTRON_RUN_AS_NODE;
// npm start always runs the built renderer, even from a shell where `npm run dev` settings linger.
delete env.WHOOT_DEV_SERVER_URL;

const child = spawn(electron.path, ['.', ...process.argv.slice(2)], { cwd: projectRoot, env, stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`whoot: could not start Electron at ${electron.path}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal !== null) console.error(`whoot: Electron exited on ${signal}`);
  process.exit(code ?? 1);
});
