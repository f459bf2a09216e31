import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPreferencesStore, defaultPreferences } from './preferencesStore';

describe('the preferences file', () => {
  let dir: string;
  let filePath: string;
  let logs: string[];
  const store = () => createPreferencesStore({ filePath, log: (line) => logs.push(line) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-prefs-'));
    filePath = join(dir, 'preferences.json');
    logs = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const asideFiles = () => readdirSync(dir).filter((name) => name.startsWith('preferences.json.corrupt-'));

  it('starts from the defaults when there is no file, without creating one', async () => {
    expect(await store().load()).toEqual(defaultPreferences);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('round-trips what was saved, across a new store (a restart)', async () => {
    const preferences = { pushToTalk: { mode: 'pushToTalk', key: 'Ctrl+Shift+F13', releaseDelayMs: 420 } };
    expect(await store().save(preferences)).toEqual({ ok: true, value: preferences });
    expect(await store().load()).toEqual(preferences);
    expect(JSON.parse(readFileSync(filePath, 'utf8'))).toEqual({ version: 1, ...preferences });
    expect(statSync(filePath).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['an unknown key', { pushToTalk: { mode: 'pushToTalk', key: 'Enter', releaseDelayMs: 0 } }],
    ['a typing key alone', { pushToTalk: { mode: 'pushToTalk', key: 'V', releaseDelayMs: 0 } }],
    ['a negative delay', { pushToTalk: { mode: 'pushToTalk', key: 'F8', releaseDelayMs: -5 } }],
    ['a huge delay', { pushToTalk: { mode: 'pushToTalk', key: 'F8', releaseDelayMs: 1e9 } }],
    ['an unknown mode', { pushToTalk: { mode: 'always', key: 'F8', releaseDelayMs: 0 } }],
    ['an extra field', { pushToTalk: { mode: 'toggle', key: 'F8', releaseDelayMs: 0 }, theme: 'dark' }],
    ['a string', 'F8'],
  ])('refuses to save %s and leaves the file as it was', async (_name, value) => {
    const good = { pushToTalk: { mode: 'toggle', key: 'F9', releaseDelayMs: 10 } } as const;
    await store().save(good);
    const before = readFileSync(filePath, 'utf8');
    const result = await store().save(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_input');
    expect(readFileSync(filePath, 'utf8')).toBe(before);
    expect(await store().load()).toEqual(good);
  });

  it.each([
    ['not JSON', '{"version": 1, "pushToTalk": '],
    ['another version', JSON.stringify({ version: 2, pushToTalk: defaultPreferences.pushToTalk })],
    ['a bad value', JSON.stringify({ version: 1, pushToTalk: { mode: 'pushToTalk', key: 'A', releaseDelayMs: 0 } })],
    ['an array', '[]'],
  ])('a corrupt file (%s) is moved aside intact and the defaults apply', async (_name, contents) => {
    writeFileSync(filePath, contents);
    expect(await store().load()).toEqual(defaultPreferences);
    const aside = asideFiles();
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(contents);
    expect(readdirSync(dir)).not.toContain('preferences.json');
    expect(logs.join('\n')).toMatch(/moved it to .*preferences\.json\.corrupt-/);
    // The next save writes a fresh file beside the one kept aside.
    const saved = await store().save({ pushToTalk: { mode: 'toggle', key: 'F8', releaseDelayMs: 0 } });
    expect(saved.ok).toBe(true);
    expect(asideFiles()).toEqual(aside);
  });

  it('a file far larger than any preferences is set aside unread', async () => {
    writeFileSync(filePath, ' '.repeat(100 * 1024));
    expect(await store().load()).toEqual(defaultPreferences);
    expect(asideFiles()).toHaveLength(1);
  });
});
