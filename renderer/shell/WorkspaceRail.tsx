import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { Icon } from '../components/Icon';
import { Menu, type MenuAnchor, type MenuEntry } from '../components/Menu';
import { useStores } from '../storesContext';

/**
 * The rail's last button: join a workspace by invite, or create one where the server lets this account (the
 * server's rule, read from the account; an account that may not create is not offered it).
 */
function AddWorkspaceButton() {
  const { account, onboarding } = useStores();
  const mayCreate = useStore(account, (state) => state.account?.mayCreateWorkspaces === true);
  const [anchor, setAnchor] = useState<MenuAnchor | null>(null);
  useEffect(() => {
    void account.getState().load();
  }, [account]);
  const entries: MenuEntry[] = [
    { kind: 'item', id: 'join', label: 'Join with an invite', onSelect: () => onboarding.getState().openJoin() },
    ...(mayCreate
      ? [
          {
            kind: 'item',
            id: 'create',
            label: 'Create a workspace',
            onSelect: () => onboarding.getState().openCreate(),
          } as const,
        ]
      : []),
  ];
  return (
    <li className="rail-item">
      <button
        type="button"
        className="rail-button rail-add has-tooltip"
        aria-label="Add a workspace"
        aria-haspopup="menu"
        aria-expanded={anchor !== null}
        onClick={(event) => setAnchor({ element: event.currentTarget })}
      >
        <Icon name="plus" size={24} />
        <span className="tooltip tooltip-right" aria-hidden="true">
          Add a workspace
        </span>
      </button>
      {anchor !== null && (
        <Menu label="Add a workspace" entries={entries} anchor={anchor} onClose={() => setAnchor(null)} />
      )}
    </li>
  );
}

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
        <AddWorkspaceButton />
      </ul>
    </nav>
  );
}
