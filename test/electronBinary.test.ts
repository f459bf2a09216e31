import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronBinaryPath, findElectronBinary, platformExecutablePath } from '../build/electronBinary.mjs';

describe('findElectronBinary', () => {
  let electronDir: string;

  beforeEach(async () => {
    electronDir = await mkdtemp(join(tmpdir(), 'whoot-electron-pkg-'));
    await writeFile(join(electronDir, 'package.json'), JSON.stringify({ name: 'electron', version: '45.4.1' }));
  });

  afterEach(async () => {
    await rm(electronDir, { recursive: true, force: true });
  });

  it('reports a missing binary with the ways to get one, and downloads nothing', async () => {
    const lookup = findElectronBinary({ electronDir, env: {}, platform: 'linux' });
    expect(lookup.found).toBe(false);
    if (lookup.found) return;
    expect(lookup.path).toBe(join(electronDir, 'dist', 'electron'));
    expect(lookup.message).toContain('npx install-electron');
    expect(lookup.message).toContain('node node_modules/electron/install.js');
    expect(lookup.message).toContain('ELECTRON_OVERRIDE_DIST_PATH');
    expect(lookup.message).toContain('45.4.1');
    expect(electronBinaryPath({ electronDir, env: {}, platform: 'linux' })).toBeNull();
  });

  it('finds the binary that path.txt names under dist/', async () => {
    await writeFile(join(electronDir, 'path.txt'), 'electron');
    await mkdir(join(electronDir, 'dist'));
    await writeFile(join(electronDir, 'dist', 'electron'), '');
    expect(findElectronBinary({ electronDir, env: {} })).toEqual({
      found: true,
      path: join(electronDir, 'dist', 'electron'),
    });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH, as electron itself does', async () => {
    const override = join(electronDir, 'elsewhere');
    await mkdir(override);
    await writeFile(join(override, 'electron'), '');
    const env = { ELECTRON_OVERRIDE_DIST_PATH: override };
    expect(electronBinaryPath({ electronDir, env, platform: 'linux' })).toBe(join(override, 'electron'));
    const missing = findElectronBinary({ electronDir, env: { ELECTRON_OVERRIDE_DIST_PATH: join(override, 'no') } });
    expect(missing.found).toBe(false);
    if (!missing.found) expect(missing.message).toContain('(from ELECTRON_OVERRIDE_DIST_PATH)');
  });

  it('knows each platform executable', () => {
    expect(platformExecutablePath('linux')).toBe('electron');
    expect(platformExecutablePath('win32')).toBe('electron.exe');
    expect(platformExecutablePath('darwin')).toBe('Electron.app/Contents/MacOS/Electron');
  });

  it('looks at the real electron package without triggering its download', () => {
    const lookup = findElectronBinary();
    expect(typeof lookup.found).toBe('boolean');
  });
});
