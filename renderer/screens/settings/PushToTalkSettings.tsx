import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import {
  RELEASE_DELAY_MAX_MS,
  shortcutFromKeyboardEvent,
  shortcutFromMouseButton,
  type PushToTalkMechanism,
  type PushToTalkMode,
} from '../../../shared/pushToTalk';
import { Icon } from '../../components/Icon';
import { useStores } from '../../storesContext';
import { ManagedNote, useManaged } from './managed';

const modes: ReadonlyArray<{ value: PushToTalkMode; label: string; hint: string }> = [
  { value: 'voiceActivity', label: 'Voice activity', hint: 'The microphone opens when you speak.' },
  { value: 'pushToTalk', label: 'Push-to-talk', hint: 'Hold the shortcut to talk; let go to stop.' },
  { value: 'toggle', label: 'Toggle', hint: 'Press the shortcut to start talking, press it again to stop.' },
];

const mechanismNames: Record<PushToTalkMechanism['kind'], string> = {
  hook: 'System key hook',
  portal: 'Desktop shortcut portal',
  toggle: 'Global shortcut (toggle)',
  off: 'No shortcut',
  starting: 'Starting',
  unavailable: 'Not available',
};

/** Waits for the next key combination (or side mouse button) pressed in this window; Escape cancels. */
function ShortcutRecorder({ onRecorded, disabled }: { onRecorded: (key: string) => void; disabled: boolean }) {
  const [recording, setRecording] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const hintId = useId();

  useEffect(() => {
    if (!recording) return;
    const onKeyDown = (event: KeyboardEvent) => {
      // The keys belong to the recorder now: nothing else in the page (or the browser) should act on them.
      event.preventDefault();
      event.stopPropagation();
      if (event.code === 'Escape') {
        setRecording(false);
        return;
      }
      const recorded = shortcutFromKeyboardEvent(event);
      if (recorded.kind === 'modifier') return;
      if (recorded.kind === 'refused') {
        setRefusal(recorded.reason);
        return;
      }
      setRecording(false);
      onRecorded(recorded.key);
    };
    const onMouseDown = (event: MouseEvent) => {
      const button = shortcutFromMouseButton(event.button);
      if (button === null) return;
      event.preventDefault();
      setRecording(false);
      onRecorded(button);
    };
    window.addEventListener('keydown', onKeyDown, true);
    window.addEventListener('mousedown', onMouseDown, true);
    return () => {
      window.removeEventListener('keydown', onKeyDown, true);
      window.removeEventListener('mousedown', onMouseDown, true);
    };
  }, [recording, onRecorded]);

  return (
    <>
      <button
        type="button"
        className={recording ? 'button button-primary' : 'button'}
        aria-pressed={recording}
        aria-describedby={hintId}
        disabled={disabled}
        onClick={() => {
          setRefusal(null);
          setRecording((was) => !was);
        }}
      >
        {recording ? 'Press the new shortcut…' : 'Record shortcut'}
      </button>
      <p id={hintId} className="muted small" aria-live="polite">
        {refusal ??
          (recording
            ? 'Press a key with or without Ctrl, Alt, Shift or Meta, or a side mouse button. Escape cancels.'
            : 'F-keys and side mouse buttons work best: they type nothing in other programs.')}
      </p>
    </>
  );
}

/** What it means for the user that the shortcut reaches whoot this way, and what to do when it does not. */
const mechanismAdvice: Record<PushToTalkMechanism['kind'], string> = {
  hook: '',
  portal: '',
  off: '',
  starting: '',
  toggle:
    'Hold-to-talk needs the key’s release, which only a system key hook or the desktop’s shortcut portal reports; here a press starts talking and the next press stops it.',
  unavailable:
    'Until a shortcut works, choose Voice activity (set its threshold under Microphone test) or use Mute in the voice bar.',
};

function MechanismNote({ mechanism, mode }: { mechanism: PushToTalkMechanism; mode: PushToTalkMode }) {
  const trouble = mechanism.kind === 'toggle' || mechanism.kind === 'unavailable';
  // In voice activity mode a missing hook changes nothing yet; say so without alarm.
  const tone = trouble && mode !== 'voiceActivity' ? 'ptt-note ptt-note-warn' : 'ptt-note';
  const advice = mechanismAdvice[mechanism.kind];
  return (
    <div role="status" className={tone}>
      <Icon name={trouble ? 'warning' : mechanism.kind === 'off' ? 'mic' : 'check'} size={18} />
      <p>
        <strong>{mechanismNames[mechanism.kind]}.</strong> {mechanism.detail.replace(/\.?$/, '.')}
        {advice !== '' && <span className="ptt-note-advice"> {advice}</span>}
      </p>
    </div>
  );
}

export function PushToTalkSettings() {
  const { pushToTalk } = useStores();
  const phase = useStore(pushToTalk, (state) => state.phase);
  const mode = useStore(pushToTalk, (state) => state.mode);
  const key = useStore(pushToTalk, (state) => state.key);
  const releaseDelayMs = useStore(pushToTalk, (state) => state.releaseDelayMs);
  const mechanism = useStore(pushToTalk, (state) => state.mechanism);
  const talking = useStore(pushToTalk, (state) => state.talking);
  const saving = useStore(pushToTalk, (state) => state.saving);
  const error = useStore(pushToTalk, (state) => state.error);
  // The slider moves freely; the value is saved when the user lets go, not on every step of a drag.
  const [draftDelay, setDraftDelay] = useState<number | null>(null);
  const modeManaged = useManaged('inputMode');
  const keyManaged = useManaged('pushToTalkKey');
  const modeName = useId();
  const delayId = useId();
  const keyLabelId = useId();

  useEffect(() => {
    void pushToTalk.getState().load();
  }, [pushToTalk]);

  const commitDelay = () => {
    if (draftDelay === null) return;
    const value = draftDelay;
    void pushToTalk
      .getState()
      .update({ releaseDelayMs: value })
      .then(() => setDraftDelay(null));
  };
  const shownDelay = draftDelay ?? releaseDelayMs;
  const usesShortcut = mode !== 'voiceActivity';

  const locked = phase === 'loading' || phase === 'unavailable';

  return (
    <section className="panel" aria-labelledby="ptt-heading">
      <h2 id="ptt-heading">Push-to-talk</h2>
      {mechanism !== null && <MechanismNote mechanism={mechanism} mode={mode} />}
      <fieldset className="device-group" disabled={locked || modeManaged}>
        <legend className="device-legend">Input mode {modeManaged && <ManagedNote />}</legend>
        <ul className="device-list">
          {modes.map((option) => {
            const id = `${modeName}-${option.value}`;
            return (
              <li key={option.value} className="device-item">
                <input
                  type="radio"
                  id={id}
                  name={modeName}
                  value={option.value}
                  checked={mode === option.value}
                  disabled={saving}
                  aria-describedby={`${id}-hint`}
                  onChange={() => void pushToTalk.getState().update({ mode: option.value })}
                />
                <label htmlFor={id}>{option.label}</label>
                <span id={`${id}-hint`} className="muted small">
                  {' '}
                  {option.hint}
                </span>
              </li>
            );
          })}
        </ul>
      </fieldset>

      <div className="field">
        <span className="field-label" id={keyLabelId}>
          Shortcut {keyManaged && <ManagedNote />}
        </span>
        <p>
          <kbd aria-labelledby={keyLabelId}>{key}</kbd>
        </p>
        <ShortcutRecorder
          disabled={saving || locked || keyManaged}
          onRecorded={(recorded) => void pushToTalk.getState().update({ key: recorded })}
        />
      </div>

      <div className="field">
        <label className="field-label" htmlFor={delayId}>
          Release delay
        </label>
        <input
          id={delayId}
          type="range"
          min={0}
          max={RELEASE_DELAY_MAX_MS}
          step={10}
          value={shownDelay}
          disabled={locked}
          aria-valuetext={`${shownDelay} milliseconds`}
          aria-describedby={`${delayId}-hint`}
          onChange={(event) => setDraftDelay(Number(event.currentTarget.value))}
          onPointerUp={commitDelay}
          onKeyUp={commitDelay}
          onBlur={commitDelay}
        />
        <output htmlFor={delayId}> {shownDelay} ms</output>
        <p id={`${delayId}-hint`} className="field-hint">
          How long the microphone stays open after you let go, so the end of a word is not cut off.
        </p>
      </div>

      {usesShortcut && phase === 'ready' && (
        <p className="muted small" aria-live="polite">
          {talking ? 'Talking: the shortcut holds your microphone open.' : 'Not talking.'}
        </p>
      )}
      {error !== null && (
        <p role="alert" className="alert">
          {error.message}
        </p>
      )}
    </section>
  );
}
