import { useStore } from 'zustand';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useStores } from '../../storesContext';
import { ChannelList } from './ChannelList';
import { VoicePanel } from './VoicePanel';
import { ChatPane } from '../../chat/ChatPane';
import { WorkspaceList } from './WorkspaceList';

export function WorkspaceScreen() {
  const { session } = useStores();
  const state = useStore(session, (current) => current.session);
  const signOutPending = useStore(session, (current) => current.signOutPending);
  const signOutError = useStore(session, (current) => current.signOutError);
  // App only mounts this screen when signed in; the guard keeps the types honest if that ever changes.
  if (!state.signedIn) return null;

  return (
    <section className="screen workspace-screen" aria-labelledby="workspace-heading">
      <header className="screen-header">
        <ScreenHeading id="workspace-heading">Workspaces</ScreenHeading>
        <div className="account">
          <span className="avatar" aria-hidden="true">
            {state.user.displayName.charAt(0).toUpperCase()}
          </span>
          <span className="account-text">
            <span className="account-name">{state.user.displayName}</span>
            <span className="account-server muted small">{state.server.host}</span>
          </span>
          <button
            type="button"
            className="button"
            disabled={signOutPending}
            onClick={() => void session.getState().signOut()}
          >
            Sign out
          </button>
        </div>
      </header>
      <div role="alert" className="alert alert-inline">
        {signOutError?.message}
      </div>
      <div className="workspace-body">
        <WorkspaceList />
        <ChannelList />
        <ChatPane />
        <VoicePanel />
      </div>
    </section>
  );
}
