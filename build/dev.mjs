// `npm run dev`: the renderer from Vite's dev server (hot reload), preload and main rebuilt on change, and Electron
// restarted after each main/preload rebuild. Main trusts the dev server only because WHOOT_DEV_SERVER_URL is set
// and the app is unpackaged (main/security/appOrigin.ts).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer } from 'vite';
import { findElectronBinary } from './electronBinary.mjs';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const configFile = join(projectRoot, 'vite.config.ts');
const RESTART_DEBOUNCE_MS = 300;

// Checked first: without Electron there is nothing to develop against, and no point starting servers.
const electron = findElectronBinary();
if (!electron.found) {
  console.error(electron.message);
  process.exit(1);
}

const server = await createServer({ configFile, mode: 'renderer', server: { host: '127.0.0.1' } });
await server.listen();
const devServerUrl = server.resolvedUrls?.local[0];
if (!devServerUrl) {
  console.error('whoot: the Vite dev server did not report a local URL.');
  await server.close();
  process.exit(1);
}
server.printUrls();

let child = null;
let restartTimer = null;
let shuttingDown = false;
const watchers = [];
const firstBuildDone = new Set();

function startElectron() {
  const env = { ...process.env, WHOOT_DEV_SERVER_URL: devServerUrl };
  delete env.ELECTRON_RUN_AS_NODE;
  const started = spawn(electron.path, ['.'], { cwd: projectRoot, env, stdio: 'inherit' });
  started.on('error', (error) => {
    console.error(`whoot: could not start Electron at ${electron.path}: ${error.message}`);
    void shutdown(1);
  });
  started.on('exit', (code) => {
    // Exits we caused by restarting are expected; the user closing the app ends the dev session.
    if (child === started && !shuttingDown) void shutdown(code ?? 0);
  });
  child = started;
}

function stopElectron() {
  const running = child;
  child = null;
  if (running === null || running.exitCode !== null || running.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    running.once('exit', () => resolve());
    running.kill('SIGTERM');
  });
}

function scheduleRestart() {
  if (firstBuildDone.size < 2) return;
  clearTimeout(restartTimer);
  restartTimer = setTimeout(async () => {
    await stopElectron();
    if (!shuttingDown) startElectron();
  }, RESTART_DEBOUNCE_MS);
}

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  clearTimeout(restartTimer);
  await stopElectron();
  await Promise.allSettled([...watchers.map((watcher) => watcher.close()), server.close()]);
  process.exit(code);
}

for (const mode of ['preload', 'main']) {
  const watcher = await build({ configFile, mode, build: { watch: {} } });
  if (!('on' in watcher)) throw new Error(`vite build --mode ${mode} did not return a watcher`);
  watchers.push(watcher);
  let failed = false;
  watcher.on('event', (event) => {
    // Vite logs build errors itself; a failed build keeps the last good Electron running.
    if (event.code === 'START') failed = false;
    if (event.code === 'ERROR') failed = true;
    if (event.code === 'END' && !failed) {
      firstBuildDone.add(mode);
      scheduleRestart();
    }
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => void shutdown(0));
}
