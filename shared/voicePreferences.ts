import { z } from 'zod';
import { randomIdSchema } from './identifiers';

/**
 * The voice settings a user makes once and expects to find again after a restart, as Discord and Mumble keep them:
 * voice-activity sensitivity, the microphone processing switches, the chosen devices and each member's volume.
 * Main keeps them in the preferences file beside push-to-talk's (main/settings/preferencesStore.ts); the renderer
 * applies them to the voice engine at start and reports each change (renderer/voice/linkVoicePreferences.ts).
 */

export const SENSITIVITY_RANGE_DB = { min: -80, max: 0 } as const;
export const DEFAULT_SENSITIVITY_DB = -50;
/** Per-member volume as a gain: 0 silent, 1 as sent, 2 doubled (the call panel shows 0-200 %). */
export const MAX_PEER_VOLUME = 2;
/** Volumes of this many members at most are kept; setting one more forgets the one set longest ago. */
export const MAX_SAVED_VOLUMES = 500;

export const audioProcessingSchema = z.strictObject({
  echoCancellation: z.boolean(),
  noiseSuppression: z.boolean(),
  autoGainControl: z.boolean(),
});
export type AudioProcessing = z.output<typeof audioProcessingSchema>;

export const DEFAULT_PROCESSING: AudioProcessing = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** A MediaDeviceInfo.deviceId: Chromium's are 64 hex characters, or "default" and "communications". */
export const audioDeviceIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');

export const sensitivityDbSchema = z.number().min(SENSITIVITY_RANGE_DB.min).max(SENSITIVITY_RANGE_DB.max);
export const peerVolumeSchema = z.number().min(0).max(MAX_PEER_VOLUME);

// zod's record quietly drops a "__proto__" key; a page that sends one is refused outright instead.
const volumesSchema = z
  .custom<Record<string, number>>(
    (value) => typeof value === 'object' && value !== null && !Object.hasOwn(value, '__proto__'),
    {
      message: 'must be an object of user ids, without __proto__',
    },
  )
  .pipe(
    z.record(randomIdSchema, peerVolumeSchema).refine((volumes) => Object.keys(volumes).length <= MAX_SAVED_VOLUMES, {
      message: `at most ${MAX_SAVED_VOLUMES} volumes`,
    }),
  );

export const voicePreferencesSchema = z.strictObject({
  sensitivityDb: sensitivityDbSchema,
  processing: audioProcessingSchema,
  /** null follows the system default. A chosen device that is unplugged stays chosen and is used again on return. */
  inputDeviceId: audioDeviceIdSchema.nullable(),
  outputDeviceId: audioDeviceIdSchema.nullable(),
  /** By user id; a member at 100 % has no entry. */
  volumes: volumesSchema,
});
export type VoicePreferences = z.output<typeof voicePreferencesSchema>;

export const defaultVoicePreferences: VoicePreferences = {
  sensitivityDb: DEFAULT_SENSITIVITY_DB,
  processing: DEFAULT_PROCESSING,
  inputDeviceId: null,
  outputDeviceId: null,
  volumes: {},
};

/** What changed: only the fields given are replaced, and `volumes` names only the members whose volume changed. */
export const voicePreferencesUpdateSchema = z.strictObject({
  sensitivityDb: sensitivityDbSchema.optional(),
  processing: audioProcessingSchema.optional(),
  inputDeviceId: audioDeviceIdSchema.nullable().optional(),
  outputDeviceId: audioDeviceIdSchema.nullable().optional(),
  volumes: volumesSchema.optional(),
});
export type VoicePreferencesUpdate = z.output<typeof voicePreferencesUpdateSchema>;

/** The preferences after `update`; a volume back at 100 % drops its entry, and the oldest entries go past the cap. */
export function applyVoicePreferencesUpdate(
  current: VoicePreferences,
  update: VoicePreferencesUpdate,
): VoicePreferences {
  // A Map keeps insertion order, the age order the cap relies on: a changed entry is deleted and set again at the end.
  const volumes = new Map(Object.entries(current.volumes));
  for (const [userId, volume] of Object.entries(update.volumes ?? {})) {
    volumes.delete(userId);
    if (volume !== 1) volumes.set(userId, volume);
  }
  const kept = [...volumes].slice(Math.max(0, volumes.size - MAX_SAVED_VOLUMES));
  return {
    sensitivityDb: update.sensitivityDb ?? current.sensitivityDb,
    processing: update.processing ?? current.processing,
    inputDeviceId: update.inputDeviceId === undefined ? current.inputDeviceId : update.inputDeviceId,
    outputDeviceId: update.outputDeviceId === undefined ? current.outputDeviceId : update.outputDeviceId,
    volumes: Object.fromEntries(kept),
  };
}
