// Finds the Electron executable without loading `electron`'s index.js: since electron 45 that file downloads the
// binary on first use, which hangs or fails offline and must never happen inside a test run. Used by
// build/launch.mjs, build/dev.mjs and the e2e suite that launches Electron (which skips when nothing is found).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const OVERRIDE_ENV = 'ELECTRON_OVERRIDE_DIST_PATH';

/** Where the executable sits inside an Electron dist folder; mirrors electron/install.js getPlatformPath(). */
export function platformExecutablePath(platform = process.platform) {
  switch (platform) {
    case 'darwin':
    case 'mas':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'win32':
      return 'electron.exe';
    default:
      return 'electron';
  }
}

function electronPackageDir() {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function readVersion(electronDir) {
  try {
    return JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

/** Looks where electron's own index.js would, in the same order, but only looks. */
export function findElectronBinary(options = {}) {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const electronDir = options.electronDir ?? electronPackageDir();
  if (electronDir === null) {
    return {
      found: false,
      path: null,
      message: missingElectronMessage({ reason: 'the electron package is not installed (run npm install)' }),
    };
  }
  const pathFile = join(electronDir, 'path.txt');
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const executable = recorded || platformExecutablePath(platform);
  const override = env[OVERRIDE_ENV];
  const candidate = override ? join(override, executable) : join(electronDir, 'dist', executable);
  if (existsSync(candidate)) return { found: true, path: candidate };
  return {
    found: false,
    path: candidate,
    message: missingElectronMessage({ candidate, override: Boolean(override), version: readVersion(electronDir) }),
  };
}

/** The executable's path, or null when it is not there (for a test's skip condition). */
export function electronBinaryPath(options = {}) {
  const lookup = findElectronBinary(options);
  return lookup.found ? lookup.path : null;
}

function missingElectronMessage({ reason, candidate, override = false, version = null }) {
  const lines = ['', 'whoot: the Electron binary is not installed, so the app cannot start.'];
  if (reason) lines.push(`  Reason: ${reason}.`);
  if (candidate) lines.push(`  Looked for: ${candidate}${override ? ` (from ${OVERRIDE_ENV})` : ''}`);
  lines.push(
    '',
    `  The electron${version ? ` ${version}` : ''} npm package downloads its binary on first use; that has not`,
    '  happened here (this machine may have no route to the download server).',
    '',
    '  To fix it, on a machine with internet access, run one of:',
    '    npx install-electron',
    '    node node_modules/electron/install.js',
    '',
    `  Or set ${OVERRIDE_ENV} to a directory that holds an unpacked Electron${version ? ` ${version}` : ''}`,
    `  build (the folder containing ${platformExecutablePath()}).`,
    '',
  );
  return lines.join('\n');
}
