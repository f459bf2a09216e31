import { fail, ok } from '../../../shared/result';
import { applyVoicePreferencesUpdate } from '../../../shared/voicePreferences';
import type { PreferencesStore } from '../../settings/preferencesStore';
import type { IpcHandler } from '../registerHandlers';

const unavailable = () => fail('preferences_unavailable', 'Preferences are not kept in this window.');

export const voicePreferencesGetHandler =
  (preferences: PreferencesStore | null): IpcHandler<'voicePreferences.get'> =>
  async () =>
    preferences === null ? unavailable() : ok((await preferences.load()).voice);

/** Applies the change to what the file holds at that moment, so two windows' changes never overwrite each other. */
export const voicePreferencesSetHandler =
  (preferences: PreferencesStore | null): IpcHandler<'voicePreferences.set'> =>
  async (request) => {
    if (preferences === null) return unavailable();
    const saved = await preferences.update('voice', (current) => applyVoicePreferencesUpdate(current, request));
    return saved.ok ? ok(saved.value.voice) : saved;
  };
