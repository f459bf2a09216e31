import { useStores } from '../../storesContext';
import { useVoice } from '../workspace/useVoice';
import type { AudioProcessing } from '../../voice/ports';
import { ManagedNote, useManaged } from './managed';

const PROCESSING: readonly [keyof AudioProcessing, string, string][] = [
  ['echoCancellation', 'Echo cancellation', 'Removes your speakers from what your microphone hears.'],
  ['noiseSuppression', 'Noise suppression', 'Filters steady background noise such as fans.'],
  ['autoGainControl', 'Automatic gain control', 'Evens out your volume; turn it off if it pumps or clips.'],
];

/** Audio processing switches; a call in progress picks changes up at once (the threshold is on the meter). */
export function VoiceProcessingSettings() {
  const { voice } = useStores();
  const processing = useVoice((state) => state.processing);
  const managed = {
    echoCancellation: useManaged('echoCancellation'),
    noiseSuppression: useManaged('noiseSuppression'),
    autoGainControl: useManaged('autoGainControl'),
  };
  if (voice === null) return null;

  return (
    <section className="panel" aria-labelledby="processing-heading">
      <h2 id="processing-heading">Voice processing</h2>
      <fieldset className="checkbox-group">
        <legend className="visually-hidden">Audio processing</legend>
        {PROCESSING.map(([key, label, help]) => (
          <label key={key} className="checkbox">
            <input
              type="checkbox"
              checked={processing[key]}
              disabled={managed[key]}
              onChange={(event) => void voice.setProcessing({ ...processing, [key]: event.target.checked })}
            />
            <span>
              {label}
              <span className="muted small"> — {help}</span> {managed[key] && <ManagedNote />}
            </span>
          </label>
        ))}
      </fieldset>
    </section>
  );
}
