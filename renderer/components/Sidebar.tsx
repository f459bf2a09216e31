import type { MouseEvent } from 'react';
import { useStore } from 'zustand';
import type { Screen } from '../stores/navigationStore';
import { useStores } from '../storesContext';

interface NavItem {
  readonly screen: Screen;
  readonly label: string;
  readonly icon: 'account' | 'workspace' | 'settings' | 'admin' | 'doctor';
}

function NavIcon({ icon }: { icon: NavItem['icon'] }) {
  const paths: Record<NavItem['icon'], string> = {
    account: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm0 2c-4 0-7 2-7 4.5V20h14v-1.5C19 16 16 14 12 14Z',
    admin:
      'M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Zm0 5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5Zm0 7c2 0 4 1 4 2.2V17H8v-.8C8 15 10 14 12 14Z',
    doctor: 'M3 12h4l2-5 4 10 2-5h6v2h-4.7L13 20 9 10l-.7 2H3v-2Z',
    workspace: 'M4 5h7v6H4V5Zm9 0h7v6h-7V5ZM4 13h7v6H4v-6Zm9 0h7v6h-7v-6Z',
    settings:
      'M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm8 3.5-.1-1.2 2-1.6-2-3.4-2.4.9a7.6 7.6 0 0 0-2-1.2L15 3h-4l-.5 2.5a7.6 7.6 0 0 0-2 1.2l-2.4-.9-2 3.4 2 1.6a7.9 7.9 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-.9a7.6 7.6 0 0 0 2 1.2L11 21h4l.5-2.5a7.6 7.6 0 0 0 2-1.2l2.4.9 2-3.4-2-1.6.1-1.2Z',
  };
  return (
    <svg className="nav-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[icon]} />
    </svg>
  );
}

/**
 * The app's main navigation. Items are links, not buttons: they move between screens, and it keeps the nav's
 * "Sign in" apart from the form's "Sign in" button for people (and tests) finding controls by role and name.
 */
export function Sidebar({ screen, signedIn }: { screen: Screen; signedIn: boolean }) {
  const { navigation, workspace } = useStores();
  // The console is offered to owners and admins of the selected workspace; the server checks every call anyway.
  const manages = useStore(workspace, (state) => {
    const role = state.workspaces.find((w) => w.id === state.selectedId)?.role;
    return role === 'owner' || role === 'admin';
  });
  const items: readonly NavItem[] = [
    signedIn
      ? { screen: 'workspace', label: 'Workspace', icon: 'workspace' }
      : { screen: 'signIn', label: 'Sign in', icon: 'account' },
    ...(signedIn && manages ? [{ screen: 'admin', label: 'Admin', icon: 'admin' } as const] : []),
    ...(signedIn ? [{ screen: 'doctor', label: 'Test connection', icon: 'doctor' } as const] : []),
    { screen: 'settings', label: 'Settings', icon: 'settings' },
  ];

  const follow = (target: Screen) => (event: MouseEvent<HTMLAnchorElement>) => {
    // The hash would add history entries the app does not use; the store is the one source of the screen.
    event.preventDefault();
    navigation.getState().go(target);
  };

  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          w
        </span>
        <span className="brand-name">whoot</span>
      </div>
      <nav aria-label="Main">
        <ul className="nav-list">
          {items.map((item) => (
            <li key={item.screen}>
              <a
                href={`#${item.screen}`}
                className="nav-link"
                aria-current={item.screen === screen ? 'page' : undefined}
                onClick={follow(item.screen)}
              >
                <NavIcon icon={item.icon} />
                <span>{item.label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </aside>
  );
}
