import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DoctorReport } from '../../../shared/doctor';
import type { WhootApi } from '../../../shared/ipc';
import type { WhootError } from '../../../shared/result';

export interface DoctorState {
  readonly running: boolean;
  readonly report: DoctorReport | null;
  readonly error: WhootError | null;
  run(): Promise<void>;
}

export type DoctorStore = StoreApi<DoctorState>;

/** "Test my connection": main runs the network doctor against the signed-in server; the page shows its report. */
export function createDoctorStore(api: WhootApi): DoctorStore {
  return createStore<DoctorState>()((set, get) => ({
    running: false,
    report: null,
    error: null,
    async run() {
      if (get().running) return;
      set({ running: true, error: null });
      try {
        const result = await api.doctor.run();
        set(result.ok ? { report: result.value } : { error: result.error });
      } finally {
        set({ running: false });
      }
    },
  }));
}
