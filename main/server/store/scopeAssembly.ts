import type { WorkspaceScope } from './types';

/** How each area of a workspace scope is built from the workspace id, in either backend. */
export type ScopeAreas = {
  readonly [K in Exclude<keyof WorkspaceScope, 'workspaceId'>]: (workspaceId: string) => WorkspaceScope[K];
};

/** `store.forWorkspace(id)`: every area bound to the one workspace id. */
export function scopeFor(workspaceId: string, areas: ScopeAreas): WorkspaceScope {
  const bound = Object.fromEntries(Object.entries(areas).map(([area, build]) => [area, build(workspaceId)]));
  return { workspaceId, ...bound } as WorkspaceScope;
}
