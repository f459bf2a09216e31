import { useStore } from 'zustand';
import type { Role } from '../../shared/rest/endpoints';
import { useStores } from '../storesContext';

/** The signed-in user's role in the workspace the console shows: what it offers follows it (shared/roles.ts). */
export function useAdminRole(): Role {
  const { workspace } = useStores();
  return useStore(
    workspace,
    (state) => state.workspaces.find((candidate) => candidate.id === state.selectedId)?.role ?? 'member',
  );
}
