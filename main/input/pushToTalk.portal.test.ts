import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PushToTalkMechanism } from '../../shared/pushToTalk';
import { createEventSink } from '../ipc/eventSink';
import { createPreferencesStore } from '../settings/preferencesStore';
import { globalShortcutsPortal } from './globalShortcutsPortal';
import { createPushToTalkController, type GlobalShortcutPort, type PushToTalkService } from './pushToTalkController';
import { privateBusUnavailable, startPrivateBus, type PrivateBus } from './testing/privateBus';
import { startTestPortal, type TestPortal } from './testing/portalService';

/**
 * Push-to-talk on a Wayland session through the desktop's GlobalShortcuts portal: the real controller, state
 * machine, preferences file and portal client, with a spec-speaking portal on a private dbus-daemon in the
 * desktop's place. Electron's globalShortcut (the toggle fallback) does not exist under Node; a recording stand-in
 * takes its place so the fallback can be seen.
 */
/** Signals cross two sockets and a daemon; on a loaded two-core CI machine that can take longer than vitest's 1 s. */
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 30_000 });

const unavailable = privateBusUnavailable();
if (unavailable !== null) console.log(`push-to-talk portal tests skipped: ${unavailable}`);

const wayland = { platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' } };

interface Rig {
  readonly service: PushToTalkService;
  readonly talking: boolean[];
  readonly mechanisms: PushToTalkMechanism[];
  readonly registered: string[];
}

describe.skipIf(unavailable !== null)('push-to-talk through the GlobalShortcuts portal (private D-Bus)', () => {
  let bus: PrivateBus;
  let portal: TestPortal;
  let dir: string;
  let services: PushToTalkService[];

  beforeAll(async () => {
    bus = await startPrivateBus();
  });
  afterAll(async () => {
    await bus?.stop();
  });
  beforeEach(async () => {
    portal = await startTestPortal({ busAddress: bus.address, registry: true });
    dir = mkdtempSync(join(tmpdir(), 'whoot-ptt-portal-'));
    services = [];
  });
  afterEach(async () => {
    for (const service of services) service.dispose();
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The controller over the test portal, not waiting for it to be ready (a dialog may be left unanswered);
   * `busAddress` null: no session bus in the environment.
   */
  async function start(preferences: object, busAddress: string | null = bus.address): Promise<Rig> {
    const store = createPreferencesStore({ filePath: join(dir, 'preferences.json') });
    expect((await store.update('pushToTalk', () => preferences)).ok).toBe(true);
    const talking: boolean[] = [];
    const mechanisms: PushToTalkMechanism[] = [];
    const registered: string[] = [];
    const shortcuts: GlobalShortcutPort = {
      register: (accelerator) => {
        registered.push(accelerator);
        return true;
      },
      unregister: (accelerator) => registered.splice(registered.indexOf(accelerator), 1),
    };
    const service = await createPushToTalkController({
      preferences: store,
      environment: wayland,
      launchHook: null,
      shortcuts,
      portal: globalShortcutsPortal({
        busAddress: busAddress ?? undefined,
        appId: 'whoot',
        description: 'Talk in whoot',
      }),
      events: createEventSink((channel, payload) => {
        if (channel === 'whoot:pushToTalk.changed') talking.push((payload as { active: boolean }).active);
        if (channel === 'whoot:pushToTalk.mechanismChanged') mechanisms.push(payload as PushToTalkMechanism);
      }),
    });
    services.push(service);
    return { service, talking, mechanisms, registered };
  }

  async function rig(preferences: object, busAddress: string | null = bus.address): Promise<Rig> {
    const started = await start(preferences, busAddress);
    await started.service.ready;
    return started;
  }

  const binds = () => portal.calls.filter((call) => call.member === 'BindShortcuts');

  it('talks while the desktop reports the key held, and stops after the release delay', async () => {
    portal.bindAnswer = { kind: 'bound', triggerDescription: 'Ctrl+F9' };
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'Ctrl+F9', releaseDelayMs: 1500 });
    expect(service.status().mechanism).toEqual({
      kind: 'portal',
      detail: "Hold Ctrl+F9 to talk, whichever window has focus (the desktop's global shortcuts).",
    });
    expect(binds().map((call) => call.shortcuts)).toEqual([
      [{ id: 'push-to-talk', description: 'Talk in whoot', preferredTrigger: 'CTRL+F9' }],
    ]);

    portal.activate();
    await eventually(() => expect(service.status().active).toBe(true));
    expect(talking).toEqual([true]);
    portal.deactivate();
    // Still open during the delay, so the last syllable is not cut (well inside it, even on a loaded machine).
    await new Promise((done) => setTimeout(done, 300));
    expect(service.status().active).toBe(true);
    await eventually(() => expect(service.status().active).toBe(false));
    expect(talking).toEqual([true, false]);
  });

  it('names the key itself when the desktop does not describe the trigger', async () => {
    portal.bindAnswer = { kind: 'bound' };
    const { service } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    expect(service.status().mechanism.detail).toMatch(/^Hold F9 to talk/);
  });

  it('ignores presses for another session or shortcut, and malformed ones', async () => {
    const { service, talking } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    const session = portal.sessions()[0] as string;
    portal.activate({ session: '/org/freedesktop/portal/desktop/session/1_999/other' });
    portal.activate({ shortcutId: 'mute' });
    portal.emitRaw({
      path: '/org/freedesktop/portal/desktop',
      iface: 'org.freedesktop.portal.GlobalShortcuts',
      member: 'Activated',
      signature: 'ss',
      body: [session, 'push-to-talk'],
    });
    portal.activate();
    await eventually(() => expect(talking).toEqual([true]));
    portal.deactivate({ shortcutId: 'mute' });
    portal.deactivate();
    await eventually(() => expect(talking).toEqual([true, false]));
    expect(service.status().mechanism.kind).toBe('portal');
  });

  it('toggles on each press in toggle mode', async () => {
    const { service, talking } = await rig({ mode: 'toggle', key: 'F9', releaseDelayMs: 0 });
    expect(service.status().mechanism.detail).toMatch(/^Press F9 to start or stop talking, whichever window/);
    portal.activate();
    portal.deactivate();
    await eventually(() => expect(talking).toEqual([true]));
    portal.activate();
    portal.deactivate();
    await eventually(() => expect(talking).toEqual([true, false]));
  });

  it('falls back to toggle-to-talk, saying so, when the user cancels the dialog', async () => {
    portal.bindAnswer = { kind: 'cancelled' };
    const { service, registered } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    expect(service.status().mechanism.kind).toBe('toggle');
    expect(service.status().mechanism.detail).toMatch(
      /^Hold-to-talk is not possible: This is a Wayland session.*you cancelled the desktop's global shortcut dialog\. Press F9 to start talking/,
    );
    expect(registered).toEqual(['F9']);
    await eventually(() => expect(portal.sessions()).toEqual([]));
  });

  it('falls back quickly, saying why, when no portal runs on the session bus', async () => {
    await portal.stop();
    const { service } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    expect(service.status().mechanism.kind).toBe('toggle');
    // The bus's own answer (nobody owns the name), not the answer time limit running out.
    expect(service.status().mechanism.detail).toMatch(/xdg-desktop-portal\) is not running/);
    portal = await startTestPortal({ busAddress: bus.address });
  });

  it('falls back, saying why, when there is no session bus at all', async () => {
    const { service } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 }, null);
    expect(service.status().mechanism.kind).toBe('toggle');
    expect(service.status().mechanism.detail).toMatch(/DBUS_SESSION_BUS_ADDRESS is not set/);
  });

  it('stops talking at once and falls back when the desktop closes the session mid-talk', async () => {
    const { service, talking, mechanisms, registered } = await rig({
      mode: 'pushToTalk',
      key: 'F9',
      releaseDelayMs: 2000,
    });
    portal.activate();
    await eventually(() => expect(talking).toEqual([true]));
    portal.closeSession();
    await eventually(() => expect(talking).toEqual([true, false]));
    expect(service.status().mechanism.kind).toBe('toggle');
    expect(mechanisms.at(-1)?.detail).toMatch(/the desktop closed the global shortcuts session\. Press F9/);
    expect(registered).toEqual(['F9']);
  });

  it('binds a new session with the new trigger when the key changes, closing the old one', async () => {
    const { service } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    const first = portal.sessions()[0];
    const changed = await service.update({ key: 'Ctrl+Alt+Shift+Meta+K' });
    expect(changed.ok && changed.value.mechanism.detail).toMatch(/^Hold Ctrl\+Alt\+Shift\+Meta\+K to talk/);
    expect(binds().map((call) => call.shortcuts[0]?.preferredTrigger)).toEqual(['F9', 'CTRL+ALT+SHIFT+LOGO+k']);
    expect(portal.calls).toContainEqual({ member: 'Close', session: first });
    expect(portal.sessions()).toHaveLength(1);
    expect(portal.sessions()[0]).not.toBe(first);
    // A release delay change needs no new session.
    await service.update({ releaseDelayMs: 300 });
    expect(binds()).toHaveLength(2);
  });

  it('closes the portal session when voice activity is chosen, and on dispose', async () => {
    const { service } = await rig({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    await service.update({ mode: 'voiceActivity' });
    await eventually(() => expect(portal.sessions()).toEqual([]));
    expect(service.status().mechanism.kind).toBe('off');
    await service.update({ mode: 'pushToTalk' });
    const session = portal.sessions()[0];
    service.dispose();
    await eventually(() => expect(portal.calls.at(-1)).toEqual({ member: 'Close', session }));
  });

  it('abandons an unanswered dialog when the key changes, and binds the new key at once', async () => {
    portal.bindAnswer = { kind: 'pending' };
    const { service } = await start({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    await eventually(() => expect(binds()).toHaveLength(1));
    portal.bindAnswer = { kind: 'bound' };
    const refused = await service.update({ key: 'Mouse9' });
    expect(refused.ok).toBe(false);
    // The refused change asked again for the saved key, whose dialog is now answered.
    expect(service.status().mechanism.detail).toMatch(/^Hold F9 to talk/);
    portal.bindAnswer = { kind: 'pending' };
    // Its dialog stays open, so this change is still waiting when the next one comes.
    const toF10 = service.update({ key: 'F10' });
    await eventually(() => expect(binds()).toHaveLength(3));
    portal.bindAnswer = { kind: 'bound' };
    const changed = await service.update({ key: 'F11' });
    expect((await toF10).ok).toBe(true);
    expect(changed.ok && changed.value.mechanism).toEqual({
      kind: 'portal',
      detail: "Hold F11 to talk, whichever window has focus (the desktop's global shortcuts).",
    });
    expect(binds().map((call) => call.shortcuts[0]?.preferredTrigger)).toEqual(['F9', 'F9', 'F10', 'F11']);
    expect(portal.sessions()).toHaveLength(1);
  });

  it('gives up a bind still waiting for the dialog on dispose', async () => {
    portal.bindAnswer = { kind: 'pending' };
    const { service } = await start({ mode: 'pushToTalk', key: 'F9', releaseDelayMs: 0 });
    await eventually(() => expect(binds()).toHaveLength(1));
    expect(service.status().mechanism.kind).toBe('starting');
    service.dispose();
    await service.ready;
    await eventually(() => expect(portal.sessions()).toEqual([]));
  });
});
