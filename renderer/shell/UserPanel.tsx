import { useStore } from 'zustand';
import { Avatar } from '../components/Avatar';
import { IconButton } from '../components/IconButton';
import type { Screen } from '../stores/navigationStore';
import { useStores } from '../storesContext';

/**
 * Discord's user panel at the foot of the channel sidebar: who you are, on which server, and the app's own places
 * (Settings, Test connection) and Sign out, so they cost no column of their own.
 */
export function UserPanel({ screen }: { screen: Screen }) {
  const { session, navigation } = useStores();
  const state = useStore(session, (current) => current.session);
  const signOutPending = useStore(session, (current) => current.signOutPending);
  const signOutError = useStore(session, (current) => current.signOutError);
  if (!state.signedIn) return null;
  const go = (target: Screen) => navigation.getState().go(target);

  return (
    <section className="user-panel" aria-label="You">
      <div role="alert" className="alert alert-compact">
        {signOutError?.message}
      </div>
      <div className="user-panel-row">
        {/* Named by what it shows (WCAG 2.5.3: a voice user says the name they see), with what it opens first. */}
        <button
          type="button"
          className="user-panel-account"
          title="Your account: name, password, two-step sign-in, sessions"
          aria-current={screen === 'account' ? 'page' : undefined}
          onClick={() => go('account')}
        >
          <Avatar name={state.user.displayName} id={state.user.id} size="md" />
          <span className="user-panel-text">
            <span className="visually-hidden">Your account: </span>
            <span className="user-panel-name">{state.user.displayName}</span>
            <span className="user-panel-server">{state.server.host}</span>
          </span>
        </button>
        <IconButton
          label="Test connection"
          icon="pulse"
          aria-current={screen === 'doctor' ? 'page' : undefined}
          onClick={() => go('doctor')}
        />
        <IconButton
          label="Settings"
          icon="settings"
          aria-current={screen === 'settings' ? 'page' : undefined}
          onClick={() => go('settings')}
        />
        <IconButton
          label="Sign out"
          icon="signOut"
          tooltip="left"
          disabled={signOutPending}
          onClick={() => void session.getState().signOut()}
        />
      </div>
    </section>
  );
}
