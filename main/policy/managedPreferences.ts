import { MANAGED_BY_POLICY, managedMessage, type ManagedPolicy } from '../../shared/managedPolicy';
import type { PushToTalkPreferences } from '../../shared/pushToTalk';
import { fail, ok } from '../../shared/result';
import type { VoicePreferences } from '../../shared/voicePreferences';
import { preferencesSchema, type Preferences, type PreferencesStore } from '../settings/preferencesStore';

/**
 * The preferences as the organization's policy leaves them: every reader (the push-to-talk controller, the voice
 * preference handlers) sees the managed values, and a change that would alter one is refused before the disk, with
 * the file as it was. The user's own saved values stay in the file underneath, so they come back if the policy is
 * lifted; a change to an unmanaged field keeps them too.
 */
export interface ManagedPreferencesStore extends PreferencesStore {
  readonly policy: ManagedPolicy;
}

interface Lock<T> {
  /** What the user sees: `stored` with the managed values laid over it. */
  overlay(stored: T): T;
  /** The first managed field that `next` would set to something else than the policy, by its name for people. */
  violation(next: T): string | null;
  /** What goes to disk: `next`, with the managed fields as the user had saved them. */
  restore(next: T, stored: T): T;
}

function pushToTalkLock(policy: ManagedPolicy): Lock<PushToTalkPreferences> {
  return {
    overlay: (stored) => ({
      ...stored,
      ...(policy.inputMode !== undefined ? { mode: policy.inputMode } : {}),
      ...(policy.pushToTalkKey !== undefined ? { key: policy.pushToTalkKey } : {}),
    }),
    violation: (next) =>
      policy.inputMode !== undefined && next.mode !== policy.inputMode
        ? 'The input mode'
        : policy.pushToTalkKey !== undefined && next.key !== policy.pushToTalkKey
          ? 'The push-to-talk shortcut'
          : null,
    restore: (next, stored) => ({
      ...next,
      ...(policy.inputMode !== undefined ? { mode: stored.mode } : {}),
      ...(policy.pushToTalkKey !== undefined ? { key: stored.key } : {}),
    }),
  };
}

const PROCESSING_NAMES = {
  echoCancellation: 'Echo cancellation',
  noiseSuppression: 'Noise suppression',
  autoGainControl: 'Automatic gain control',
} as const;
type ProcessingKey = keyof typeof PROCESSING_NAMES;
const PROCESSING_KEYS = Object.keys(PROCESSING_NAMES) as ProcessingKey[];

function voiceLock(policy: ManagedPolicy): Lock<VoicePreferences> {
  const managed = PROCESSING_KEYS.filter((key) => policy[key] !== undefined);
  const withProcessing = (base: VoicePreferences, pick: (key: ProcessingKey) => boolean): VoicePreferences => ({
    ...base,
    processing: { ...base.processing, ...Object.fromEntries(managed.map((key) => [key, pick(key)])) },
  });
  return {
    overlay: (stored) => withProcessing(stored, (key) => policy[key] === true),
    violation: (next) => {
      const changed = managed.find((key) => next.processing[key] !== policy[key]);
      return changed === undefined ? null : PROCESSING_NAMES[changed];
    },
    restore: (next, stored) => withProcessing(next, (key) => stored.processing[key]),
  };
}

class ManagedRefusal extends Error {
  constructor(readonly what: string) {
    super(managedMessage(what));
  }
}

/** Wraps the store once; a store already wrapped with this very policy is returned as it is. */
export function withManagedPolicy(
  store: PreferencesStore | ManagedPreferencesStore,
  policy: ManagedPolicy,
): ManagedPreferencesStore {
  if ('policy' in store && store.policy === policy) return store;
  const pushToTalk = pushToTalkLock(policy);
  const voice = voiceLock(policy);
  const lockOf = (section: keyof Preferences): Lock<unknown> | null =>
    section === 'pushToTalk' ? (pushToTalk as Lock<unknown>) : section === 'voice' ? (voice as Lock<unknown>) : null;
  const overlay = (stored: Preferences): Preferences => ({
    ...stored,
    pushToTalk: pushToTalk.overlay(stored.pushToTalk),
    voice: voice.overlay(stored.voice),
  });

  return {
    policy,
    filePath: store.filePath,
    load: async () => overlay(await store.load()),
    async update(section, change) {
      const lock = lockOf(section);
      if (lock === null) {
        const saved = await store.update(section, change);
        return saved.ok ? ok(overlay(saved.value)) : saved;
      }
      try {
        const saved = await store.update(section, (stored) => {
          const next = change(lock.overlay(stored) as Preferences[typeof section]);
          // An invalid change goes on to the store, which refuses it with the reason; only a valid one is compared.
          if (!preferencesSchema.shape[section].safeParse(next).success) return next;
          const refusal = lock.violation(next);
          if (refusal !== null) throw new ManagedRefusal(refusal);
          return lock.restore(next, stored);
        });
        return saved.ok ? ok(overlay(saved.value)) : saved;
      } catch (error) {
        // Thrown inside the store's read-change-write step, before anything was written.
        if (error instanceof ManagedRefusal) return fail(MANAGED_BY_POLICY, managedMessage(error.what));
        throw error;
      }
    },
  };
}
