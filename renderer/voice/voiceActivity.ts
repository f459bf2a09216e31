import { SENSITIVITY_RANGE_DB } from '../../shared/voicePreferences';

/**
 * A level gate with hangover: it opens as soon as the level crosses the threshold and closes only after the level
 * has stayed below it for `hangoverMs`, so the ends of words and short pauses are not clipped. Used for the
 * voice-activity input mode (on the microphone) and for speaking indicators (on each peer's received level).
 */
export interface LevelGate {
  /** Feeds one level reading (0 to 1) taken at `now`; returns whether the gate is open. */
  update(level: number, now: number): boolean;
  isOpen(): boolean;
  setThreshold(level: number): void;
}

export function createLevelGate(options: { threshold: number; hangoverMs: number }): LevelGate {
  let threshold = options.threshold;
  let open = false;
  let lastAbove = Number.NEGATIVE_INFINITY;
  return {
    update(level, now) {
      if (level >= threshold) {
        lastAbove = now;
        open = true;
      } else if (open && now - lastAbove >= options.hangoverMs) {
        open = false;
      }
      return open;
    },
    isOpen: () => open,
    setThreshold(level) {
      threshold = level;
    },
  };
}

/**
 * The sensitivity setting is in dBFS (as Discord and Mumble show it): -100 opens on anything, 0 on nothing.
 * Levels here are linear amplitudes, 0 to 1, as RTCStats audioLevel reports them.
 */

export function thresholdFromDb(db: number): number {
  const clamped = Math.min(SENSITIVITY_RANGE_DB.max, Math.max(SENSITIVITY_RANGE_DB.min, db));
  return 10 ** (clamped / 20);
}

/** A level as the settings show it, in dBFS within the sensitivity range (silence is its floor). */
export function dbFromLevel(level: number): number {
  if (!(level > 0)) return SENSITIVITY_RANGE_DB.min;
  return Math.min(SENSITIVITY_RANGE_DB.max, Math.max(SENSITIVITY_RANGE_DB.min, 20 * Math.log10(level)));
}

/** The smallest change a level meter redraws for: finer is not visible on a 200-pixel bar of 80 dB. */
export const METER_STEP_DB = 1.5;

/**
 * Whether a new level is worth a redraw. Compared in dB, as the meter draws it: a linear step would hide all of
 * quiet speech (0.05 is already -26 dBFS) and redraw needlessly for loud sounds.
 */
export function levelMoved(previous: number, next: number): boolean {
  return Math.abs(dbFromLevel(next) - dbFromLevel(previous)) >= METER_STEP_DB;
}

/**
 * How long voice activity keeps sending after the level falls below the sensitivity: the breaths between the
 * phrases of one utterance (a few hundred milliseconds) stay in the transmission, so the next phrase's first
 * syllable is not cut while the gate reopens (the level is read every 100-200 ms), and the senders are not stopped
 * and restarted at every comma. Mumble's voice hold defaults to 0.5 s in its early releases, 2 s in later ones.
 */
export const VOICE_HOLD_MS = 500;

/** Speaking indicators light a little above the noise floor of a quiet room. */
export const SPEAKING_THRESHOLD = thresholdFromDb(-45);
/**
 * A ring stays lit this long after the last loud level: as long as the voice hold and the silent tail after it
 * together, so a ring follows a whole utterance, as listeners see it, instead of flickering at each breath. Each
 * flip is a frame in every member's window (about 6 ms of CPU across a browser's processes here: bench:client).
 */
export const SPEAKING_HANGOVER_MS = 600;
