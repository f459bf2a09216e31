import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_WAIT_MS } from '../../test/support/testDeadlines';
import type { PushToTalkMechanism } from '../../shared/pushToTalk';
import { createEventSink } from '../ipc/eventSink';
import { createPreferencesStore } from '../settings/preferencesStore';
import { forkKeyHook } from './forkKeyHook';
import { startKeyHook } from './keyHook';
import { createPushToTalkController, type PushToTalkService } from './pushToTalkController';
import { createShortcutMatcher, type HookInput } from './shortcutMatcher';
import { startVirtualDisplay, virtualDisplayUnavailable, type VirtualDisplay } from './testing/xvfb';

/**
 * Real keys on a real X server: Xvfb on a free display, xdotool pressing and releasing keys with no window focused,
 * the real hook process (uiohook-napi under Node) and the real controller, state machine and preferences file.
 */
const unavailable = virtualDisplayUnavailable();
if (unavailable !== null) console.log(`push-to-talk X11 tests skipped: ${unavailable}`);

const entryPath = resolve(import.meta.dirname, 'keyHookEntry.ts');

interface Rig {
  readonly service: PushToTalkService;
  /** pushToTalk.changed payloads, in order. */
  readonly talking: boolean[];
  readonly mechanisms: PushToTalkMechanism[];
}

/** What a key press must cause comes within the suite's wait (vi.waitFor's own default is 1 s, too short under load). */
const UNTIL = { timeout: TEST_WAIT_MS, interval: 20 };

describe.skipIf(unavailable !== null)('push-to-talk through the system key hook (Xvfb + xdotool)', () => {
  let x: VirtualDisplay;
  let dir: string;
  let services: PushToTalkService[];

  beforeEach(async () => {
    x = await startVirtualDisplay();
    dir = mkdtempSync(join(tmpdir(), 'whoot-ptt-'));
    services = [];
  });

  afterEach(async () => {
    for (const service of services) service.dispose();
    await x.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function rig(preferences: object, display = x.display): Promise<Rig> {
    const store = createPreferencesStore({ filePath: join(dir, 'preferences.json') });
    const saved = await store.update('pushToTalk', () => preferences);
    expect(saved.ok).toBe(true);
    const talking: boolean[] = [];
    const mechanisms: PushToTalkMechanism[] = [];
    const service = await createPushToTalkController({
      preferences: store,
      environment: { platform: 'linux', env: { DISPLAY: display } },
      launchHook: forkKeyHook({ entryPath, execArgv: ['--import', 'tsx'], env: { ...process.env, DISPLAY: display } }),
      shortcuts: null,
      events: createEventSink((channel, payload) => {
        if (channel === 'whoot:pushToTalk.changed') talking.push((payload as { active: boolean }).active);
        if (channel === 'whoot:pushToTalk.mechanismChanged') mechanisms.push(payload as PushToTalkMechanism);
      }),
    });
    services.push(service);
    await service.ready;
    return { service, talking, mechanisms };
  }

  const settle = () => new Promise((done) => setTimeout(done, 300));

  it('talks while F8 is held and stops when it comes up, with no window focused', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'F8', releaseDelayMs: 0 });
    expect(service.status().mechanism.kind).toBe('hook');
    expect(service.status().mechanism.detail).toMatch(/Hold F8 to talk/);

    x.xdotool('keydown', 'F8');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    expect(talking).toEqual([true]);

    x.xdotool('keyup', 'F8');
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
    expect(talking).toEqual([true, false]);
  });

  it('the hook process forwards only the watched codes: what else is typed never leaves it', async () => {
    const inputs: HookInput[] = [];
    const matcher = createShortcutMatcher('Ctrl+F8');
    const hook = startKeyHook({
      launch: forkKeyHook({ entryPath, execArgv: ['--import', 'tsx'], env: { ...process.env, DISPLAY: x.display } }),
      watch: matcher.watch,
      onInput: (input) => inputs.push(input),
      onFailure: () => undefined,
    });
    try {
      await hook.ready;
      x.xdotool('type', 'secret password');
      x.xdotool('key', 'F7', 'Return', 'ctrl+F8');
      await vi.waitFor(() => expect(inputs).toHaveLength(4), UNTIL);
      await settle();
      expect(inputs).toEqual([
        { device: 'key', state: 'down', code: 29 },
        { device: 'key', state: 'down', code: 66 },
        { device: 'key', state: 'up', code: 29 },
        { device: 'key', state: 'up', code: 66 },
      ]);
    } finally {
      hook.stop();
    }
  });

  it('ignores every other key', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'F8', releaseDelayMs: 0 });
    x.xdotool('key', 'F7', 'a', 'space', 'F9', 'ctrl+F7');
    x.xdotool('keydown', 'F9');
    await settle();
    x.xdotool('keyup', 'F9');
    await settle();
    expect(talking).toEqual([]);
    expect(service.status().active).toBe(false);
  });

  it('keeps talking through the release delay, and a quick re-press does not flicker', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'F8', releaseDelayMs: 600 });
    x.xdotool('keydown', 'F8');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    x.xdotool('keyup', 'F8');
    x.xdotool('keydown', 'F8');
    await settle();
    expect(service.status().active).toBe(true);
    x.xdotool('keyup', 'F8');
    // Still talking inside the delay; silent after it.
    expect(service.status().active).toBe(true);
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
    expect(talking).toEqual([true, false]);
  });

  it('needs the whole combo: Ctrl+F8 talks, F8 alone does not, letting go of Ctrl stops', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'Ctrl+F8', releaseDelayMs: 0 });
    x.xdotool('keydown', 'F8');
    await settle();
    x.xdotool('keyup', 'F8');
    await settle();
    expect(talking).toEqual([]);

    x.xdotool('keydown', 'ctrl+F8');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    x.xdotool('keyup', 'ctrl');
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
    x.xdotool('keyup', 'F8');
    await settle();
    expect(talking).toEqual([true, false]);
  });

  it('hears a mouse side button (X button 8 is Mouse4)', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'Mouse4', releaseDelayMs: 0 });
    x.xdotool('mousedown', '9');
    await settle();
    x.xdotool('mouseup', '9');
    await settle();
    expect(talking).toEqual([]);
    x.xdotool('mousedown', '8');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    x.xdotool('mouseup', '8');
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
  });

  it('toggle mode: a press opens, holding changes nothing, the next press closes', async () => {
    const { service, talking } = await rig({ mode: 'toggle', key: 'F8', releaseDelayMs: 0 });
    expect(service.status().mechanism.detail).toMatch(/Press F8 to start or stop talking/);
    x.xdotool('keydown', 'F8');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    x.xdotool('keyup', 'F8');
    await settle();
    expect(service.status().active).toBe(true);
    x.xdotool('key', 'F8');
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
    expect(talking).toEqual([true, false]);
  });

  it('stops talking at once when the hook dies while the key is held, and says so', async () => {
    const { service, talking, mechanisms } = await rig({ mode: 'pushToTalk', key: 'F8', releaseDelayMs: 1500 });
    x.xdotool('keydown', 'F8');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    // The X server goes away with the key still down: no keyup will ever come.
    await x.stop();
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
    expect(talking).toEqual([true, false]);
    expect(mechanisms.map((mechanism) => mechanism.kind)).toEqual(['starting', 'hook', 'unavailable']);
    expect(mechanisms[2]!.detail).toMatch(/system key hook stopped/);
    expect(service.status().mechanism).toEqual(mechanisms[2]);
  });

  it('a new shortcut takes effect at once and the old key stops working', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'F8', releaseDelayMs: 0 });
    const changed = await service.update({ key: 'Shift+F10' });
    expect(changed.ok && changed.value.key).toBe('Shift+F10');
    expect(service.status().mechanism.kind).toBe('hook');
    x.xdotool('key', 'F8');
    await settle();
    expect(talking).toEqual([]);
    x.xdotool('keydown', 'shift+F10');
    await vi.waitFor(() => expect(service.status().active).toBe(true), UNTIL);
    x.xdotool('keyup', 'shift+F10');
    await vi.waitFor(() => expect(service.status().active).toBe(false), UNTIL);
  });

  it('reports why when the hook cannot reach the display', async () => {
    const gone = x.display;
    await x.stop();
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'F8', releaseDelayMs: 0 }, gone);
    expect(service.status().mechanism).toEqual({
      kind: 'unavailable',
      detail: expect.stringMatching(/could not start \(the X display :\d+ is not running\).*no global shortcuts/),
    });
    expect(service.status().active).toBe(false);
    expect(talking).toEqual([]);
    // Restart so afterEach has a display to stop.
    x = await startVirtualDisplay();
  });
});
