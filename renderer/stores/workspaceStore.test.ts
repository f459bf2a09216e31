import { describe, expect, it } from 'vitest';
import { createFakeWhootApi, signedInState, workspaceA, workspaceB } from '../testing/fakeWhootApi';
import { createSessionStore } from './sessionStore';
import { createWorkspaceStore, pickSelection } from './workspaceStore';

function setup() {
  const fake = createFakeWhootApi();
  const session = createSessionStore(fake.api);
  const workspace = createWorkspaceStore(session.store);
  return { fake, workspace: workspace.store, dispose: workspace.dispose };
}

describe('workspaceStore', () => {
  it('is empty while signed out', () => {
    const { workspace } = setup();
    expect(workspace.getState().workspaces).toEqual([]);
    expect(workspace.getState().selectedId).toBeNull();
  });

  it('takes the workspaces of the session and selects the first', () => {
    const { fake, workspace } = setup();
    fake.emit('session.changed', signedInState());
    expect(workspace.getState().workspaces.map((item) => item.slug)).toEqual(['alpha', 'beta']);
    expect(workspace.getState().selectedId).toBe(workspaceA.id);
  });

  it('keeps the selection across a session refresh and falls back when it disappears', () => {
    const { fake, workspace } = setup();
    fake.emit('session.changed', signedInState());
    workspace.getState().select(workspaceB.id);

    fake.emit('session.changed', signedInState([workspaceA, workspaceB]));
    expect(workspace.getState().selectedId).toBe(workspaceB.id);

    fake.emit('session.changed', signedInState([workspaceA]));
    expect(workspace.getState().selectedId).toBe(workspaceA.id);
  });

  it('forgets everything on sign-out', () => {
    const { fake, workspace } = setup();
    fake.emit('session.changed', signedInState());
    fake.emit('session.changed', { signedIn: false });
    expect(workspace.getState().workspaces).toEqual([]);
    expect(workspace.getState().selectedId).toBeNull();
  });

  it('ignores a selection of a workspace the user is not in', () => {
    const { fake, workspace } = setup();
    fake.emit('session.changed', signedInState([workspaceA]));
    workspace.getState().select(workspaceB.id);
    expect(workspace.getState().selectedId).toBe(workspaceA.id);
  });

  it('stops following the session when disposed', () => {
    const { fake, workspace, dispose } = setup();
    dispose();
    fake.emit('session.changed', signedInState());
    expect(workspace.getState().workspaces).toEqual([]);
  });

  it('picks a selection', () => {
    expect(pickSelection([], 'x')).toBeNull();
    expect(pickSelection([workspaceA, workspaceB], workspaceB.id)).toBe(workspaceB.id);
    expect(pickSelection([workspaceA, workspaceB], 'gone')).toBe(workspaceA.id);
  });
});
