import { describe, expect, it } from 'vitest';
import { manualClock } from '../testing/manualClock';
import { createToastStore } from './toastStore';

describe('toast store', () => {
  it('dismisses a toast after its timeout', () => {
    const clock = manualClock();
    const { store } = createToastStore(clock);
    store.getState().show({ message: 'Saved', timeoutMs: 1000 });
    clock.advance(999);
    expect(store.getState().toasts).toHaveLength(1);
    clock.advance(1);
    expect(store.getState().toasts).toHaveLength(0);
  });

  it('stops the clock while hovered or focused and keeps the time that was left', () => {
    const clock = manualClock();
    const { store } = createToastStore(clock);
    const id = store.getState().show({ message: 'Message deleted', timeoutMs: 1000 });
    clock.advance(600);
    store.getState().pause(id);
    clock.advance(60_000);
    expect(store.getState().toasts.map((toast) => toast.message)).toEqual(['Message deleted']);
    store.getState().resume(id);
    clock.advance(399);
    expect(store.getState().toasts).toHaveLength(1);
    clock.advance(1);
    expect(store.getState().toasts).toHaveLength(0);
  });

  it('runs the action once and dismisses the toast', () => {
    const clock = manualClock();
    const { store } = createToastStore(clock);
    let undone = 0;
    const id = store.getState().show({ message: 'Deleted', action: { label: 'Undo', run: () => (undone += 1) } });
    store.getState().act(id);
    store.getState().act(id);
    expect(undone).toBe(1);
    expect(store.getState().toasts).toHaveLength(0);
  });

  it('keeps at most three, dropping the oldest', () => {
    const { store } = createToastStore(manualClock());
    for (const message of ['a', 'b', 'c', 'd']) store.getState().show({ message });
    expect(store.getState().toasts.map((toast) => toast.message)).toEqual(['b', 'c', 'd']);
  });

  it('runs onExpire once when the toast goes without its action: timeout, dismiss, pushed out, disposal; never after the action', () => {
    const clock = manualClock();
    const { store, dispose } = createToastStore(clock);
    const expired: string[] = [];
    const show = (message: string) =>
      store.getState().show({
        message,
        timeoutMs: 1000,
        action: { label: 'Undo', run: () => expired.push(`${message} undone`) },
        onExpire: () => expired.push(message),
      });
    show('timed out');
    clock.advance(1000);
    const dismissed = show('dismissed');
    store.getState().dismiss(dismissed);
    store.getState().dismiss(dismissed);
    const undone = show('acted');
    store.getState().act(undone);
    clock.advance(5000);
    for (const message of ['a', 'b', 'c', 'pushes a out']) show(message);
    dispose();
    expect(expired).toEqual(['timed out', 'dismissed', 'acted undone', 'a', 'b', 'c', 'pushes a out']);
  });
});
