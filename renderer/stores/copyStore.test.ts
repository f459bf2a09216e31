import { describe, expect, it } from 'vitest';
import { manualClock } from '../testing/manualClock';
import { COPIED_SHOWN_MS, createCopyStore, type ClipboardPort } from './copyStore';

function setUp(clipboard: ClipboardPort | null) {
  const clock = manualClock();
  const heard: [string, string][] = [];
  const { store, dispose } = createCopyStore({
    clipboard,
    announce: (text, politeness = 'polite') => heard.push([politeness, text]),
    clock,
  });
  return { clock, heard, store, dispose };
}

describe('copy store', () => {
  it('puts the text on the clipboard, says "Copied" for a moment and announces it', async () => {
    const written: string[] = [];
    const { clock, heard, store } = setUp({
      writeText: async (text) => {
        written.push(text);
        return true;
      },
    });
    expect(await store.getState().copy('invite link', 'whoot://join?x=1')).toBe(true);
    expect(written).toEqual(['whoot://join?x=1']);
    expect(store.getState()).toMatchObject({ copied: 'invite link', failed: null });
    expect(heard).toEqual([['polite', 'Invite link copied.']]);
    clock.advance(COPIED_SHOWN_MS - 1);
    expect(store.getState().copied).toBe('invite link');
    clock.advance(1);
    expect(store.getState().copied).toBeNull();
  });

  it('a second copy restarts the moment and names the new thing; the first one’s timer does not cut it short', async () => {
    const { clock, store } = setUp({ writeText: async () => true });
    await store.getState().copy('invite link', 'a');
    clock.advance(COPIED_SHOWN_MS - 100);
    await store.getState().copy('API token', 'b');
    clock.advance(200);
    expect(store.getState().copied).toBe('API token');
    clock.advance(COPIED_SHOWN_MS);
    expect(store.getState().copied).toBeNull();
  });

  it('says plainly, and assertively, when the clipboard refused or is missing: the secret must be taken by hand', async () => {
    for (const clipboard of [
      { writeText: async () => false },
      {
        writeText: async (): Promise<boolean> => {
          throw new Error('NotAllowedError');
        },
      },
      null,
    ]) {
      const { heard, store } = setUp(clipboard);
      expect(await store.getState().copy('signing secret', 's3cret')).toBe(false);
      expect(store.getState()).toMatchObject({ copied: null, failed: 'signing secret' });
      expect(heard).toEqual([['assertive', 'Could not copy the signing secret: select it and copy it by hand.']]);
    }
  });

  it('stops its timer when disposed', async () => {
    const { clock, store, dispose } = setUp({ writeText: async () => true });
    await store.getState().copy('token', 't');
    dispose();
    clock.advance(COPIED_SHOWN_MS * 2);
    expect(store.getState().copied).toBe('token');
  });
});
