import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_SAVED_VOLUMES,
  applyVoicePreferencesUpdate,
  defaultVoicePreferences,
  voicePreferencesSchema,
  voicePreferencesUpdateSchema,
} from './voicePreferences';

const ada = randomUUID();
const bob = randomUUID();

describe('voice preferences', () => {
  it('replaces only the fields an update names, and merges volumes by member', () => {
    const start = applyVoicePreferencesUpdate(defaultVoicePreferences, {
      volumes: { [ada]: 1.5, [bob]: 0.5 },
      inputDeviceId: 'mic-1',
    });
    const next = applyVoicePreferencesUpdate(start, { sensitivityDb: -30, volumes: { [bob]: 0.25 } });
    expect(next).toEqual({
      ...defaultVoicePreferences,
      sensitivityDb: -30,
      inputDeviceId: 'mic-1',
      volumes: { [ada]: 1.5, [bob]: 0.25 },
    });
    expect(applyVoicePreferencesUpdate(next, { inputDeviceId: null }).inputDeviceId).toBeNull();
  });

  it('drops a volume set back to 100 %, and forgets the longest-unchanged members past the cap', () => {
    expect(
      applyVoicePreferencesUpdate({ ...defaultVoicePreferences, volumes: { [ada]: 2 } }, { volumes: { [ada]: 1 } }),
    ).toMatchObject({ volumes: {} });
    let preferences = defaultVoicePreferences;
    const members = Array.from({ length: MAX_SAVED_VOLUMES }, () => randomUUID());
    preferences = applyVoicePreferencesUpdate(preferences, {
      volumes: Object.fromEntries(members.map((id) => [id, 0.5])),
    });
    // The first member changes again, so it is the newest; the second is now the oldest and goes.
    preferences = applyVoicePreferencesUpdate(preferences, { volumes: { [members[0] as string]: 0.7 } });
    preferences = applyVoicePreferencesUpdate(preferences, { volumes: { [ada]: 1.2 } });
    expect(Object.keys(preferences.volumes)).toHaveLength(MAX_SAVED_VOLUMES);
    expect(preferences.volumes[members[1] as string]).toBeUndefined();
    expect(preferences.volumes[members[0] as string]).toBe(0.7);
    expect(preferences.volumes[ada]).toBe(1.2);
    expect(voicePreferencesSchema.safeParse(preferences).success).toBe(true);
  });

  it.each([
    ['a sensitivity out of range', { sensitivityDb: 5 }],
    ['a volume above 200 %', { volumes: { [ada]: 2.5 } }],
    ['a negative volume', { volumes: { [ada]: -1 } }],
    ['a volume keyed by something that is not a user id', { volumes: { '../etc': 1 } }],
    ['a device id with control characters', { inputDeviceId: 'mic\n1' }],
    ['an oversized device id', { outputDeviceId: 'x'.repeat(300) }],
    ['a field that is not a preference', { theme: 'dark' }],
    ['a partial processing object', { processing: { echoCancellation: false } }],
  ])('refuses %s', (_name, update) => {
    expect(voicePreferencesUpdateSchema.safeParse(update).success).toBe(false);
  });

  it('refuses more volumes than it keeps in one update', () => {
    const volumes = Object.fromEntries(Array.from({ length: MAX_SAVED_VOLUMES + 1 }, () => [randomUUID(), 0.5]));
    expect(voicePreferencesUpdateSchema.safeParse({ volumes }).success).toBe(false);
  });
});
