import { describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import { createToastStore, TOAST_ACTION_TIMEOUT_MS } from '../stores/toastStore';
import { createFakeWhootApi, workspaceA } from '../testing/fakeWhootApi';
import { manualClock } from '../testing/manualClock';
import { createRemovalStore, removalKey } from './removalStore';

const MESSAGE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4d01';
const FILE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4d02';

function setup() {
  const fake = createFakeWhootApi();
  const clock = manualClock();
  const toasts = createToastStore(clock);
  const page = new EventTarget();
  const deleted: string[] = [];
  fake.answer('chat.delete', async ({ messageId }) => {
    deleted.push(`message ${messageId}`);
    return ok({});
  });
  fake.answer('files.remove', async ({ fileId }) => {
    deleted.push(`file ${fileId}`);
    return ok({});
  });
  const { store, dispose } = createRemovalStore({ api: fake.api, toasts: toasts.store, page });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { fake, clock, toasts: toasts.store, page, deleted, store, dispose, settle };
}

describe('removals with Undo', () => {
  it('hides at once, asks the server only when the toast times out', async () => {
    const t = setup();
    t.store.getState().request({ kind: 'message', id: MESSAGE, workspaceId: workspaceA.id }, 'Message deleted.');
    expect(Object.keys(t.store.getState().pending)).toEqual([removalKey('message', MESSAGE)]);
    expect(t.toasts.getState().toasts.map((toast) => [toast.message, toast.action?.label])).toEqual([
      ['Message deleted.', 'Undo'],
    ]);
    t.clock.advance(TOAST_ACTION_TIMEOUT_MS - 1);
    await t.settle();
    expect(t.deleted).toEqual([]);
    t.clock.advance(1);
    await t.settle();
    expect(t.deleted).toEqual([`message ${MESSAGE}`]);
    expect(t.store.getState().pending).toEqual({});
  });

  it('Undo puts it back and nothing reaches the server, then or later', async () => {
    const t = setup();
    t.store.getState().request({ kind: 'file', id: FILE, workspaceId: workspaceA.id }, 'report.pdf removed.');
    const [toast] = t.toasts.getState().toasts;
    t.toasts.getState().act(toast!.id);
    t.clock.advance(TOAST_ACTION_TIMEOUT_MS * 2);
    t.page.dispatchEvent(new Event('pagehide'));
    await t.settle();
    expect(t.store.getState().pending).toEqual({});
    expect(t.deleted).toEqual([]);
  });

  it('sends every held-back removal when the window closes, once', async () => {
    const t = setup();
    t.store.getState().request({ kind: 'message', id: MESSAGE, workspaceId: workspaceA.id }, 'Message deleted.');
    t.store.getState().request({ kind: 'file', id: FILE, workspaceId: workspaceA.id }, 'report.pdf removed.');
    t.page.dispatchEvent(new Event('pagehide'));
    t.page.dispatchEvent(new Event('beforeunload'));
    t.clock.advance(TOAST_ACTION_TIMEOUT_MS);
    await t.settle();
    expect(t.deleted.sort()).toEqual([`file ${FILE}`, `message ${MESSAGE}`]);
    t.dispose();
  });

  it('brings back what the server refused to remove, and says why', async () => {
    const t = setup();
    t.fake.answer('chat.delete', async () => fail('forbidden', 'Only its author or a moderator can delete a message.'));
    t.store.getState().request({ kind: 'message', id: MESSAGE, workspaceId: workspaceA.id }, 'Message deleted.');
    t.clock.advance(TOAST_ACTION_TIMEOUT_MS);
    await t.settle();
    expect(t.store.getState().pending).toEqual({});
    expect(t.toasts.getState().toasts.map((toast) => [toast.tone, toast.message])).toEqual([
      ['error', 'The message could not be deleted: Only its author or a moderator can delete a message.'],
    ]);
  });
});
