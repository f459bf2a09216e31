import { FRAME_MS, FRAME_SAMPLES } from './pcm';

/**
 * What the bot's speakers played, on one timeline: each stream's frames land in 10 ms slots by arrival time (a
 * stream never overlaps itself: a frame goes to the slot after its previous one if it arrives early), and the
 * streams are summed, as a sound card would mix them.
 */
export function createMixRecorder(start: number) {
  const slots: Float32Array[] = [];
  const lastSlot = new Map<string, number>();

  return {
    add(stream: string, samples: Int16Array, at: number): void {
      const bySlotTime = Math.max(0, Math.round((at - start) / FRAME_MS));
      const previous = lastSlot.get(stream);
      const slot = previous === undefined ? bySlotTime : Math.max(previous + 1, bySlotTime);
      lastSlot.set(stream, slot);
      let mix = slots[slot];
      if (mix === undefined) {
        mix = new Float32Array(FRAME_SAMPLES);
        slots[slot] = mix;
      }
      for (let i = 0; i < FRAME_SAMPLES && i < samples.length; i++) mix[i] = (mix[i] ?? 0) + (samples[i] ?? 0);
    },
    /** The mix so far as 16-bit samples (clipped), silence where nothing played. */
    samples(): Int16Array {
      const out = new Int16Array(slots.length * FRAME_SAMPLES);
      slots.forEach((mix, slot) => {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          out[slot * FRAME_SAMPLES + i] = Math.max(-32768, Math.min(32767, Math.round(mix[i] ?? 0)));
        }
      });
      return out;
    },
  };
}

export type MixRecorder = ReturnType<typeof createMixRecorder>;
