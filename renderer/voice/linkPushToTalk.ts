import type { StoreApi } from 'zustand/vanilla';
import type { PushToTalkMode } from '../../shared/pushToTalk';
import type { VoiceEngine } from './voiceEngine';

/**
 * Push-to-talk as main reports it (the key hook's press and release, or toggle-to-talk where no hook exists)
 * drives the engine's input mode and talking state. Toggle mode is push-to-talk whose key latches.
 */
export function linkPushToTalkToVoice(
  pushToTalk: StoreApi<{ readonly mode: PushToTalkMode; readonly talking: boolean }>,
  engine: VoiceEngine | null,
): () => void {
  if (engine === null) return () => undefined;
  const apply = ({ mode, talking }: { readonly mode: PushToTalkMode; readonly talking: boolean }) => {
    const inputMode = mode === 'voiceActivity' ? 'voiceActivity' : 'pushToTalk';
    if (engine.store.getState().inputMode !== inputMode) engine.setInputMode(inputMode);
    if (engine.store.getState().talking !== talking) engine.setTalking(talking);
  };
  apply(pushToTalk.getState());
  return pushToTalk.subscribe(apply);
}
