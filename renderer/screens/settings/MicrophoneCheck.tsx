import { useEffect, useId } from 'react';
import { useStore } from 'zustand';
import { SENSITIVITY_RANGE_DB } from '../../../shared/voicePreferences';
import { Button } from '../../components/Button';
import { Icon } from '../../components/Icon';
import { useStores } from '../../storesContext';
import { dbFromLevel } from '../../voice/voiceActivity';
import { useVoice } from '../workspace/useVoice';

const RANGE = SENSITIVITY_RANGE_DB.max - SENSITIVITY_RANGE_DB.min;
const fraction = (db: number) => (db - SENSITIVITY_RANGE_DB.min) / RANGE;

/**
 * The live level of the microphone with the voice-activity threshold drawn on it as a handle to drag (or set with
 * the arrow keys): sound past the handle opens the microphone. The level is read by the mic check store at 20 Hz
 * and redrawn only when it moves a visible step; the bar moves by a transform, so a redraw is no layout.
 */
function LevelMeter({ onThreshold }: { readonly onThreshold: (db: number) => void }) {
  const { micCheck } = useStores();
  const level = useStore(micCheck, (state) => state.level);
  const source = useStore(micCheck, (state) => state.source);
  const sensitivityDb = useVoice((state) => state.sensitivityDb);
  const db = Math.round(dbFromLevel(level));
  const live = source === 'preview' || source === 'call';
  const above = live && db >= sensitivityDb;
  const hintId = useId();
  return (
    <div className="level-meter-block">
      <div className="level-meter">
        <div
          className="level-meter-track"
          role="meter"
          aria-label="Microphone level"
          aria-valuemin={SENSITIVITY_RANGE_DB.min}
          aria-valuemax={SENSITIVITY_RANGE_DB.max}
          aria-valuenow={db}
          aria-valuetext={live ? `${db} dB${above ? ', above the threshold' : ''}` : 'not measured'}
        >
          <div className="level-meter-closed" style={{ width: `${fraction(sensitivityDb) * 100}%` }} />
          <div
            className={above ? 'level-meter-fill level-meter-fill-open' : 'level-meter-fill'}
            style={{ transform: `scaleX(${live ? fraction(db) : 0})` }}
          />
        </div>
        <input
          type="range"
          className="level-meter-threshold"
          aria-label="Voice activity sensitivity"
          aria-describedby={hintId}
          aria-valuetext={`${sensitivityDb} dB`}
          min={SENSITIVITY_RANGE_DB.min}
          max={SENSITIVITY_RANGE_DB.max}
          step={1}
          value={sensitivityDb}
          onChange={(event) => onThreshold(Number(event.target.value))}
        />
      </div>
      <div className="level-meter-scale" aria-hidden="true">
        <span>{SENSITIVITY_RANGE_DB.min} dB</span>
        <span>{SENSITIVITY_RANGE_DB.max} dB</span>
      </div>
      <p id={hintId} className="muted small">
        Threshold {sensitivityDb} dB{live ? `, your level ${db} dB` : ''}. In voice activity mode, sound past the handle
        opens your microphone (the bar turns green); drag the handle or use the arrow keys to move it.
      </p>
    </div>
  );
}

/** Settings' microphone test: the meter, and "Let's check" to hear yourself through the chosen speaker. */
export function MicrophoneCheck() {
  const { micCheck, devices, voice } = useStores();
  const access = useStore(devices, (state) => state.access);
  const outputs = useStore(devices, (state) => state.outputs);
  const selectedOutputId = useStore(devices, (state) => state.selectedOutputId);
  const source = useStore(micCheck, (state) => state.source);
  const checking = useStore(micCheck, (state) => state.checking);
  const error = useStore(micCheck, (state) => state.error);
  const granted = access === 'granted';

  // The microphone is open only while this shows, and only once the user allowed it (no surprise prompt).
  useEffect(() => (granted ? micCheck.getState().start() : undefined), [granted, micCheck]);

  if (voice === null) return null;
  const speaker =
    selectedOutputId === null
      ? 'the system default speaker'
      : (outputs.find((output) => output.id === selectedOutputId)?.label ?? 'the system default speaker');

  return (
    <section className="panel" aria-labelledby="mic-check-heading">
      <h2 id="mic-check-heading">Microphone test</h2>
      {!granted ? (
        <p className="muted">Allow the microphone above to see its level and test it.</p>
      ) : (
        <>
          <LevelMeter onThreshold={(db) => voice.setSensitivityDb(db)} />
          <div className="mic-check-actions">
            <Button
              variant={checking ? 'danger' : 'primary'}
              disabled={source !== 'preview'}
              aria-describedby="mic-check-hint"
              onClick={() => (checking ? micCheck.getState().stopCheck() : void micCheck.getState().startCheck())}
            >
              <Icon name={checking ? 'close' : 'headphones'} size={16} />
              {checking ? 'Stop checking' : 'Let’s check'}
            </Button>
            <p id="mic-check-hint" className="muted small" aria-live="polite">
              {source === 'call'
                ? 'You are in a call: the meter shows what the call hears. Leave it to hear yourself.'
                : checking
                  ? `Speak: you hear yourself on ${speaker}. Headphones keep it from echoing.`
                  : `Hear yourself on ${speaker}, as others will.`}
            </p>
          </div>
        </>
      )}
      <div role="alert" className="alert">
        {error}
      </div>
    </section>
  );
}
