import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { useStores } from '../../storesContext';
import { initialVoiceState, type VoiceState } from '../../voice/voiceState';

/** Where the page has no voice engine, components read an idle call that never changes. */
const noVoice = createStore<VoiceState>()(() => initialVoiceState());

/** Reads the voice engine's state; selectors must return stable values (fields, not new objects). */
export function useVoice<T>(selector: (state: VoiceState) => T): T {
  const { voice } = useStores();
  return useStore(voice?.store ?? noVoice, selector);
}
