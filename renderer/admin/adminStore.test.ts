import { describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import { createSessionStore } from '../stores/sessionStore';
import { createWorkspaceStore } from '../stores/workspaceStore';
import { createFakeWhootApi, signedInState, workspaceA, workspaceB } from '../testing/fakeWhootApi';
import { createAdminStore } from './adminStore';

const webhook = {
  id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60',
  workspaceId: workspaceA.id,
  url: 'https://hooks.example.com/whoot',
  description: '',
  events: ['channel.created' as const],
  enabled: true,
  createdAt: 1,
  secrets: [{ createdAt: 1, expiresAt: null }],
};

function setup() {
  const fake = createFakeWhootApi();
  const session = createSessionStore(fake.api);
  const workspace = createWorkspaceStore(session.store);
  fake.emit('session.changed', signedInState());
  return { fake, workspace: workspace.store, admin: createAdminStore(fake.api, workspace.store) };
}

describe('adminStore', () => {
  it('reads a tab for the selected workspace and shows a new secret once, until dismissed', async () => {
    const { fake, admin } = setup();
    fake.answer('admin.webhooks', async () => ok({ webhooks: [webhook] }));
    fake.answer('admin.createWebhook', async () => ok({ webhook, secret: `whsec_${'A'.repeat(43)}` }));
    await admin.getState().open('webhooks');
    expect(admin.getState().webhooks).toEqual([webhook]);
    expect(fake.requests.at(-1)).toEqual({ channel: 'admin.webhooks', request: { workspaceId: workspaceA.id } });

    await admin.getState().createWebhook('https://hooks.example.com/whoot', ['channel.created'], '');
    expect(admin.getState().revealed).toEqual({
      label: 'Signing secret',
      what: 'signing secret',
      value: `whsec_${'A'.repeat(43)}`,
    });
    admin.getState().dismissRevealed();
    expect(admin.getState().revealed).toBeNull();
    // Switching tabs forgets anything revealed as well.
    await admin.getState().createWebhook('https://hooks.example.com/whoot', ['channel.created'], '');
    await admin.getState().open('sessions');
    expect(admin.getState().revealed).toBeNull();
  });

  it("shows the server's refusal, and reads again when another workspace is selected", async () => {
    const { fake, admin, workspace } = setup();
    fake.answer('admin.members', async (request) =>
      request.workspaceId === workspaceA.id
        ? fail('forbidden', 'Your role in this workspace does not allow that.')
        : ok({ members: [] }),
    );
    await admin.getState().open('members');
    expect(admin.getState().error).toEqual({
      code: 'forbidden',
      message: 'Your role in this workspace does not allow that.',
    });
    workspace.getState().select(workspaceB.id);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.requests.at(-1)).toEqual({ channel: 'admin.members', request: { workspaceId: workspaceB.id } });
    expect(admin.getState().error).toBeNull();
  });
});
