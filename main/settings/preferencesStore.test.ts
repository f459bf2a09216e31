import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyVoicePreferencesUpdate, defaultVoicePreferences } from '../../shared/voicePreferences';
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
    const pushToTalk = { mode: 'pushToTalk', key: 'Ctrl+Shift+F13', releaseDelayMs: 420 } as const;
    const preferences = { ...defaultPreferences, pushToTalk };
    expect(await store().update('pushToTalk', () => pushToTalk)).toEqual({ ok: true, value: preferences });
    expect(await store().load()).toEqual(preferences);
    expect(JSON.parse(readFileSync(filePath, 'utf8'))).toEqual({ version: 1, ...preferences });
    expect(statSync(filePath).mode & 0o777).toBe(0o600);
  });

  it('changes one section and keeps the other as the file has it', async () => {
    const member = randomUUID();
    const pushToTalk = { mode: 'toggle', key: 'F9', releaseDelayMs: 10 } as const;
    await store().update('pushToTalk', () => pushToTalk);
    await store().update('voice', (voice) => applyVoicePreferencesUpdate(voice, { volumes: { [member]: 1.5 } }));
    // Another window's store, started before either change, must not write back what it saw at start.
    const other = store();
    await other.update('voice', (voice) => applyVoicePreferencesUpdate(voice, { sensitivityDb: -30 }));
    expect(await store().load()).toEqual({
      pushToTalk,
      voice: { ...defaultVoicePreferences, sensitivityDb: -30, volumes: { [member]: 1.5 } },
      joinedServers: [],
    });
  });

  it('applies simultaneous changes one after another, losing none', async () => {
    const members = Array.from({ length: 20 }, () => randomUUID());
    const one = store();
    await Promise.all(
      members.map((member, index) =>
        one.update('voice', (voice) => applyVoicePreferencesUpdate(voice, { volumes: { [member]: index / 10 } })),
      ),
    );
    expect(Object.keys((await store().load()).voice.volumes)).toHaveLength(members.length - 1); // index 10 is 100 %
  });

  it('reads a file written before the voice and joined-servers sections existed, with their defaults', async () => {
    const pushToTalk = { mode: 'toggle', key: 'F8', releaseDelayMs: 0 };
    writeFileSync(filePath, JSON.stringify({ version: 1, pushToTalk }));
    expect(await store().load()).toEqual({ pushToTalk, voice: defaultVoicePreferences, joinedServers: [] });
    expect(asideFiles()).toEqual([]);
  });

  it.each([
    ['an unknown key', 'pushToTalk', { mode: 'pushToTalk', key: 'Enter', releaseDelayMs: 0 }],
    ['a typing key alone', 'pushToTalk', { mode: 'pushToTalk', key: 'V', releaseDelayMs: 0 }],
    ['a negative delay', 'pushToTalk', { mode: 'pushToTalk', key: 'F8', releaseDelayMs: -5 }],
    ['a huge delay', 'pushToTalk', { mode: 'pushToTalk', key: 'F8', releaseDelayMs: 1e9 }],
    ['an unknown mode', 'pushToTalk', { mode: 'always', key: 'F8', releaseDelayMs: 0 }],
    ['an extra field', 'pushToTalk', { mode: 'toggle', key: 'F8', releaseDelayMs: 0, theme: 'dark' }],
    ['a string', 'pushToTalk', 'F8'],
    ['a sensitivity out of range', 'voice', { ...defaultVoicePreferences, sensitivityDb: 12 }],
    ['a volume of 900 %', 'voice', { ...defaultVoicePreferences, volumes: { [randomUUID()]: 9 } }],
    ['a device id with a newline', 'voice', { ...defaultVoicePreferences, inputDeviceId: 'a\nb' }],
  ] as const)('refuses to save %s and leaves the file as it was', async (_name, section, value) => {
    const good = { mode: 'toggle', key: 'F9', releaseDelayMs: 10 } as const;
    await store().update('pushToTalk', () => good);
    const before = readFileSync(filePath, 'utf8');
    const result = await store().update(section, () => value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_input');
    expect(readFileSync(filePath, 'utf8')).toBe(before);
    expect(await store().load()).toEqual({ ...defaultPreferences, pushToTalk: good });
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
    expect(logs.join('\n')).toMatch(/moved it aside to .*preferences\.json\.corrupt-/);
    // The next save writes a fresh file beside the one kept aside.
    const saved = await store().update('pushToTalk', () => ({ mode: 'toggle', key: 'F8', releaseDelayMs: 0 }));
    expect(saved.ok).toBe(true);
    expect(asideFiles()).toEqual(aside);
  });

  it('a file far larger than any preferences is set aside unread', async () => {
    writeFileSync(filePath, ' '.repeat(100 * 1024));
    expect(await store().load()).toEqual(defaultPreferences);
    expect(asideFiles()).toHaveLength(1);
  });
});
