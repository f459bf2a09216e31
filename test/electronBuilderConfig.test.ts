import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';

/**
 * electron-builder.yml is security configuration (fuses, signing, entitlements), and electron-builder only
 * validates it when someone packages, which is rare and slow. These checks run with the unit tests instead.
 */

const root = join(import.meta.dirname, '..');
// js-yaml arrives with electron-builder and ships no types; the one function used is typed here.
const { load: loadYaml } = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

const configText = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const config = loadYaml(configText) as Record<string, unknown>;
const scheme = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;

// As electron-builder itself does (app-builder-lib/out/util/config/schemaValidator.js), minus type coercion: the
// schema uses a non-standard `typeof` keyword that strict mode would reject. No coercion here, so a quoted boolean
// like "true" fails instead of silently passing.
const validate = new Ajv({ allErrors: true, strict: false }).compile(scheme);

const section = (value: unknown, name: string): Record<string, unknown> => {
  expect(value, `${name} section`).toBeTypeOf('object');
  return value as Record<string, unknown>;
};
const mac = section(config['mac'], 'mac');
const linux = section(config['linux'], 'linux');
const win = section(config['win'], 'win');

describe('electron-builder.yml', () => {
  it('matches app-builder-lib scheme.json', () => {
    const valid = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would catch a misspelt or mistyped option (the schema check is not vacuous)', () => {
    expect(validate({ ...config, electronFuse: {} })).toBe(false);
    expect(validate({ ...config, asar: 'true' })).toBe(false);
    expect(
      validate({ ...config, electronFuses: { ...section(config['electronFuses'], 'fuses'), runAsNod: false } }),
    ).toBe(false);
  });

  it('names the app and puts artefacts in dist/', () => {
    expect(config['appId']).toBe('app.whoot.desktop');
    expect(config['productName']).toBe('whoot');
    expect(config['directories']).toEqual({ output: 'dist', buildResources: 'build' });
  });

  it('flips exactly the hardening fuses', () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs only the build output into an asar, and rebuilds natives for Electron', () => {
    expect(config['asar']).toBe(true);
    expect(config['npmRebuild']).toBe(true);
    const files = config['files'] as string[];
    expect(files).toEqual(expect.arrayContaining(['out/**/*', 'package.json', '!out/harness/**']));
    const included = files.filter((pattern) => !pattern.startsWith('!'));
    expect(included).toEqual(['out/**/*', 'package.json']);
  });

  it('registers the whoot:// scheme on every platform', () => {
    expect(config['protocols']).toEqual([expect.objectContaining({ schemes: ['whoot'] })]);
    const desktop = section(linux['desktop'], 'linux.desktop');
    expect(section(desktop['entry'], 'linux.desktop.entry')['MimeType']).toContain('x-scheme-handler/whoot');
  });

  it('builds AppImage and deb on Linux, NSIS on Windows, dmg on macOS', () => {
    expect(linux['target']).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(win['target']).toEqual(expect.arrayContaining(['nsis']));
    expect(mac['target']).toEqual(expect.arrayContaining(['dmg']));
  });

  it('signs macOS with the hardened runtime, microphone only, and notarises from the environment', () => {
    expect(mac['hardenedRuntime']).toBe(true);
    expect(mac['notarize']).toBe(true);
    expect(mac['entitlements']).toBe('build/entitlements.mac.plist');
    expect(mac['entitlementsInherit']).toBe('build/entitlements.mac.plist');
    const info = section(mac['extendInfo'], 'mac.extendInfo');
    expect(info['NSMicrophoneUsageDescription']).toMatch(/microphone/i);
    expect(info).not.toHaveProperty('NSCameraUsageDescription');

    const entitlements = readFileSync(join(root, 'build/entitlements.mac.plist'), 'utf8');
    const keys = [...entitlements.matchAll(/<key>([^<]+)<\/key>/g)].map((match) => match[1]);
    expect(keys.sort()).toEqual(['com.apple.security.cs.allow-jit', 'com.apple.security.device.audio-input']);
  });

  it('holds no signing secrets: those come from the environment', () => {
    const secretKeys = /password|secret|token|cscLink|cscKey|apiKey|certificate/i;
    const found: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
      else if (value !== null && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (secretKeys.test(key)) found.push(`${path}.${key}`);
          walk(child, `${path}.${key}`);
        }
      }
    };
    walk(config, 'config');
    expect(found).toEqual([]);

    const yamlWithoutComments = configText
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(yamlWithoutComments).not.toMatch(/-----BEGIN|[A-Za-z0-9+/=]{40,}|\b(?:CSC|APPLE|WIN_CSC)_[A-Z_]+\s*[:=]/);
  });

  it('ships a 512x512 PNG icon', () => {
    const png = readFileSync(join(root, 'build/icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(512);
    expect(png.readUInt32BE(20)).toBe(512);
  });
});
