import { useStore } from 'zustand';
import type { ManagedPolicy, ManagedPolicyKey } from '../../../shared/managedPolicy';
import { shortKeyFingerprint } from '../../../shared/serverTrust';
import { useStores } from '../../storesContext';
import { ManagedNote } from './managed';

const LABELS: Record<ManagedPolicyKey, string> = {
  allowedServerPins: 'Servers you may join',
  hostLocalServer: 'Hosting a server on this computer',
  relayOnlyMedia: 'Calls only through the relay',
  inputMode: 'Input mode',
  pushToTalkKey: 'Push-to-talk shortcut',
  echoCancellation: 'Echo cancellation',
  noiseSuppression: 'Noise suppression',
  autoGainControl: 'Automatic gain control',
  fileSharing: 'File sharing',
  updateChannel: 'Update channel',
  allowedUpdateChannels: 'Allowed update channels',
  releasePublicKey: 'Release signing key',
};

const MODES = { voiceActivity: 'Voice activity', pushToTalk: 'Push-to-talk', toggle: 'Toggle' } as const;

function shown<K extends ManagedPolicyKey>(key: K, value: NonNullable<ManagedPolicy[K]>): string {
  if (key === 'allowedServerPins') return (value as string[]).map(shortKeyFingerprint).join(', ');
  if (key === 'inputMode') return MODES[value as keyof typeof MODES];
  if (key === 'releasePublicKey') return `${(value as string).slice(0, 20)}…`;
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') {
    if (key === 'relayOnlyMedia') return value ? 'Yes' : 'No';
    return value ? 'On' : 'Off';
  }
  return String(value);
}

/**
 * What the organization's policy sets on this computer, read-only; and when its file was refused or had keys that
 * were ignored, that too, so the user can tell their admin. Nothing shows when no policy file exists.
 */
export function ManagedPolicySection() {
  const { policy } = useStores();
  const view = useStore(policy, (state) => state.view);
  if (view.status === 'none') return null;
  const entries = (Object.keys(LABELS) as ManagedPolicyKey[]).filter((key) => view.values[key] !== undefined);

  return (
    <section className="panel" aria-labelledby="managed-heading">
      <h2 id="managed-heading">Managed by your organization</h2>
      {view.status === 'refused' ? (
        <p role="alert" className="alert">
          Your organization&apos;s policy file was not applied, so nothing here is managed.
        </p>
      ) : (
        <>
          <p className="muted">
            These settings are set by your organization and cannot be changed here. <ManagedNote />
          </p>
          <dl className="managed-list">
            {entries.map((key) => (
              <div key={key} className="managed-row">
                <dt>{LABELS[key]}</dt>
                <dd>{shown(key, view.values[key] as NonNullable<ManagedPolicy[typeof key]>)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      {view.problems.length > 0 && (
        <div>
          <p className="muted small">Ignored in {view.source ?? 'the policy file'} (tell your administrator):</p>
          <ul className="managed-problems small">
            {view.problems.map((problem) => (
              <li key={`${problem.key}:${problem.message}`}>
                <code>{problem.key}</code> {problem.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
