import type { VoiceReportedState } from '../../shared/pushToTalk';

/**
 * The call as the renderer last reported it (voice.reportState). The renderer owns the call; main keeps this copy
 * only so the tray can show the truth, and never acts on it beyond that.
 */
export interface ReportedCallState {
  current(): VoiceReportedState;
  report(state: VoiceReportedState): void;
  subscribe(listener: (state: VoiceReportedState) => void): () => void;
}

export const notInCall: VoiceReportedState = { inChannel: null, muted: false, deafened: false };

export function createReportedCallState(): ReportedCallState {
  let state = notInCall;
  const listeners = new Set<(state: VoiceReportedState) => void>();
  return {
    current: () => state,
    report(next) {
      if (next.inChannel === state.inChannel && next.muted === state.muted && next.deafened === state.deafened) return;
      state = next;
      for (const listener of listeners) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
