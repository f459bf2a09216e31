import { useStore } from 'zustand';
import { useStores } from '../storesContext';

/**
 * The narrow rail of workspaces (Discord's server list): one round button per workspace, the selected one marked.
 * Buttons, not links: choosing a workspace switches the whole app's context, it is not a page in a list.
 */
export function WorkspaceRail() {
  const { workspace, navigation } = useStores();
  const workspaces = useStore(workspace, (state) => state.workspaces);
  const selectedId = useStore(workspace, (state) => state.selectedId);

  return (
    <nav className="rail" aria-label="Workspaces">
      <ul className="rail-items">
        {workspaces.map((item) => {
          const selected = item.id === selectedId;
          return (
            <li key={item.id} className="rail-item">
              <button
                type="button"
                className="rail-button has-tooltip"
                aria-label={item.name}
                aria-current={selected ? 'true' : undefined}
                onClick={() => {
                  workspace.getState().select(item.id);
                  navigation.getState().go('workspace');
                }}
              >
                <span aria-hidden="true">{item.name.trim().charAt(0).toUpperCase()}</span>
                <span className="tooltip tooltip-right" aria-hidden="true">
                  {item.name}
                </span>
              </button>
            </li>
          );
        })}
        {/* Slot for "Add a workspace" (create or join by invite): the onboarding work puts its button here. */}
      </ul>
    </nav>
  );
}
