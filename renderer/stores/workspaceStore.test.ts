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

  it('after a removal, shows which workspace until another is chosen, and keeps it out of the list', () => {
    const { fake, workspace: store } = setup();
    fake.emit('session.changed', signedInState([workspaceA, workspaceB]));
    store.getState().select(workspaceB.id);
    store.getState().markRemoved(workspaceB.id);
    expect(store.getState()).toMatchObject({ selectedId: null, removedFrom: workspaceB, workspaces: [workspaceA] });
    // A session refresh that still lists it (the list came from sign-in) does not bring it back.
    fake.emit('session.changed', signedInState([workspaceA, workspaceB]));
    expect(store.getState()).toMatchObject({ selectedId: null, workspaces: [workspaceA] });
    store.getState().select(workspaceB.id);
    expect(store.getState().selectedId).toBeNull();
    store.getState().select(workspaceA.id);
    expect(store.getState()).toMatchObject({ selectedId: workspaceA.id, removedFrom: null });
  });
});
