import { useStore } from 'zustand';
import { Button } from '../components/Button';
import { ScreenHeading } from '../components/ScreenHeading';
import { useStores } from '../storesContext';

/**
 * Where a member lands when an owner or admin removed them from the workspace they had open: what happened, what it
 * means, and where to go. Their session is fine, so this does not ask them to sign in again.
 */
export function RemovedScreen() {
  const { workspace, session } = useStores();
  const removedFrom = useStore(workspace, (state) => state.removedFrom);
  const others = useStore(workspace, (state) => state.workspaces);
  if (removedFrom === null) return null;
  return (
    <section className="screen screen-centered removed-screen" aria-labelledby="removed-heading">
      <ScreenHeading id="removed-heading">You were removed from {removedFrom.name}</ScreenHeading>
      <p className="removed-text">
        An owner or admin of {removedFrom.name} removed you from the workspace. Its channels, messages and calls are no
        longer available to you. You are still signed in. To come back, ask them for a new invite.
      </p>
      <div className="removed-actions">
        {others.map((item) => (
          <Button key={item.id} variant="primary" onClick={() => workspace.getState().select(item.id)}>
            Open {item.name}
          </Button>
        ))}
        <Button onClick={() => void session.getState().signOut()}>Sign out</Button>
      </div>
    </section>
  );
}
