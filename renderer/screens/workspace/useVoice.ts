import { useRef } from 'react';
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

/**
 * Reads a value derived from the voice state (a list, an object) that React re-renders for only when `same` says it
 * changed: the engine updates its state several times a second (levels, stats), and a component that shows only who
 * is speaking must not redraw for a new round-trip figure.
 */
export function useVoiceWith<T>(selector: (state: VoiceState) => T, same: (a: T, b: T) => boolean): T {
  const last = useRef<{ value: T } | null>(null);
  return useVoice((state) => {
    const next = selector(state);
    if (last.current !== null && same(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  });
}

/** Two lists of flat records are the same when every record has the same values (compared with Object.is). */
export function sameRecords<T extends object>(a: readonly T[], b: readonly T[]): boolean {
  return (
    a.length === b.length &&
    a.every((record, i) => {
      const other = b[i] as T;
      const keys = Object.keys(record) as (keyof T)[];
      return keys.length === Object.keys(other).length && keys.every((key) => Object.is(record[key], other[key]));
    })
  );
}
