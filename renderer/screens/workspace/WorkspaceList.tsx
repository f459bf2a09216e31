import { useStore } from 'zustand';
import { useStores } from '../../storesContext';

const roleLabel = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

export function WorkspaceList() {
  const { workspace } = useStores();
  const workspaces = useStore(workspace, (state) => state.workspaces);
  const selectedId = useStore(workspace, (state) => state.selectedId);

  return (
    <nav className="workspace-list" aria-label="Your workspaces">
      {workspaces.length === 0 ? (
        <p className="empty-state small">You are not in a workspace yet. Ask an admin of your team to add you.</p>
      ) : (
        <ul className="workspace-items">
          {workspaces.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className="workspace-item"
                aria-current={item.id === selectedId ? 'true' : undefined}
                onClick={() => workspace.getState().select(item.id)}
              >
                <span className="workspace-badge" aria-hidden="true">
                  {item.name.charAt(0).toUpperCase()}
                </span>
                <span className="workspace-text">
                  <span className="workspace-name">{item.name}</span>
                  <span className="muted small">{roleLabel[item.role]}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
