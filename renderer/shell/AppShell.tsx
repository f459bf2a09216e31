import type { ReactNode } from 'react';
import type { Screen } from '../stores/navigationStore';
import { useStores } from '../storesContext';
import { ChannelSidebar } from './ChannelSidebar';
import { WorkspaceRail } from './WorkspaceRail';

/**
 * The signed-in app in Discord's reading order: the workspace rail, the channel sidebar (channels, who is in each
 * voice room, the voice bar, you), then the main pane. Settings, Admin and Test connection open in the main pane, so
 * the rail and sidebar (and the call's controls) stay where they are.
 */
export function AppShell({ screen, children }: { screen: Screen; children: ReactNode }) {
  return (
    <div className="app-shell">
      <WorkspaceRail />
      <ChannelSidebar screen={screen} />
      <main className="main-pane">{children}</main>
    </div>
  );
}

/** Signed out: the brand and the two places there are, above the sign-in form or settings. */
export function SignedOutShell({ screen, children }: { screen: Screen; children: ReactNode }) {
  const { navigation } = useStores();
  const link = (target: Screen, label: string) => (
    <a
      href={`#${target}`}
      className="top-link"
      aria-current={screen === target ? 'page' : undefined}
      onClick={(event) => {
        event.preventDefault();
        navigation.getState().go(target);
      }}
    >
      {label}
    </a>
  );
  return (
    <div className="signed-out-shell">
      <header className="top-bar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            w
          </span>
          <span className="brand-name">whoot</span>
        </span>
        <nav aria-label="Main" className="top-nav">
          {link('signIn', 'Sign in')}
          {link('settings', 'Settings')}
        </nav>
      </header>
      <main className="signed-out-main">{children}</main>
    </div>
  );
}
