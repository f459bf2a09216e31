import { Message, sessionBus, type MessageBus } from 'dbus-next';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { toDbusNextAddress } from './dbusAddress';
import {
  globalShortcutsPortal,
  PORTAL,
  type GlobalShortcutsPortalOptions,
  type PortalBindResult,
  type PortalShortcut,
} from './globalShortcutsPortal';
import { privateBusUnavailable, startPrivateBus, type PrivateBus } from './testing/privateBus';
import { startTestPortal, type TestPortal } from './testing/portalService';

/**
 * The real client against a portal that speaks the spec on a private dbus-daemon: every byte crosses a real bus,
 * so signatures, object paths, request handles and senders are what a desktop would see.
 */
/** Signals cross two sockets and a daemon; on a loaded two-core CI machine that can take longer than vitest's 1 s. */
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 30_000 });

const unavailable = privateBusUnavailable();
if (unavailable !== null) console.log(`GlobalShortcuts portal tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('the GlobalShortcuts portal client', () => {
  let bus: PrivateBus;
  let portal: TestPortal;
  const open: PortalShortcut[] = [];

  beforeAll(async () => {
    bus = await startPrivateBus();
  });
  afterAll(async () => {
    await bus?.stop();
  });
  beforeEach(async () => {
    portal = await startTestPortal({ busAddress: bus.address, registry: true });
  });
  afterEach(async () => {
    for (const shortcut of open.splice(0)) shortcut.close();
    await portal.stop();
  });

  function client(overrides: Partial<GlobalShortcutsPortalOptions> = {}) {
    return globalShortcutsPortal({
      busAddress: bus.address,
      appId: 'whoot',
      description: 'Talk in whoot',
      ...overrides,
    });
  }

  function recorder() {
    const seen: string[] = [];
    return {
      seen,
      events: {
        onPress: () => seen.push('press'),
        onRelease: () => seen.push('release'),
        onClosed: (reason: string) => seen.push(`closed: ${reason}`),
      },
    };
  }

  async function bound(result: Promise<PortalBindResult>): Promise<PortalShortcut> {
    const settled = await result;
    if (!settled.ok) throw new Error(`bind failed: ${settled.reason}`);
    open.push(settled.shortcut);
    return settled.shortcut;
  }

  it('registers as whoot, opens a session and binds push-to-talk with the key as the preferred trigger', async () => {
    portal.bindAnswer = { kind: 'bound', triggerDescription: 'Ctrl+F9' };
    const shortcut = await bound(client().bind('Ctrl+F9', recorder().events));
    expect(shortcut.triggerDescription).toBe('Ctrl+F9');
    expect(portal.calls.map((call) => call.member)).toEqual(['Register', 'CreateSession', 'BindShortcuts']);
    expect(portal.calls[0]).toEqual({ member: 'Register', appId: 'whoot' });
    const bind = portal.calls[2];
    expect(bind?.member === 'BindShortcuts' && bind.shortcuts).toEqual([
      { id: 'push-to-talk', description: 'Talk in whoot', preferredTrigger: 'CTRL+F9' },
    ]);
    expect(portal.sessions()).toHaveLength(1);
  });

  it('works with a portal before 1.19, which has no host registry', async () => {
    await portal.stop();
    portal = await startTestPortal({ busAddress: bus.address, registry: false });
    await bound(client().bind('F8', recorder().events));
    expect(portal.calls.map((call) => call.member)).toEqual(['CreateSession', 'BindShortcuts']);
  });

  it('says nothing of a trigger the desktop did not describe', async () => {
    portal.bindAnswer = { kind: 'bound' };
    expect((await bound(client().bind('F8', recorder().events))).triggerDescription).toBeNull();
  });

  it('hears press and release of our shortcut in our session only', async () => {
    const { seen, events } = recorder();
    await bound(client().bind('F8', events));
    const ours = portal.sessions()[0] as string;
    portal.activate();
    portal.activate({ shortcutId: 'something-else' });
    portal.deactivate({ session: `${ours}x` });
    // One sender's signals arrive in order: once the release is heard, the two before it were seen and dropped.
    portal.deactivate();
    await eventually(() => expect(seen).toEqual(['press', 'release']));
  });

  it('hears a press that comes right behind the dialog closing', async () => {
    portal.bindAnswer = { kind: 'bound', thenPress: true };
    const { seen, events } = recorder();
    await bound(client().bind('F8', events));
    await eventually(() => expect(seen).toEqual(['press']));
  });

  it('ignores malformed signals without failing, and still hears the next good one', async () => {
    const { seen, events } = recorder();
    await bound(client().bind('F8', events));
    const session = portal.sessions()[0] as string;
    const shortcuts = { path: PORTAL.path, iface: PORTAL.globalShortcuts };
    portal.emitRaw({ ...shortcuts, member: 'Activated', signature: 's', body: [session] });
    portal.emitRaw({ ...shortcuts, member: 'Activated', signature: 'ss', body: [session, 'push-to-talk'] });
    portal.emitRaw({ ...shortcuts, member: 'Activated', signature: 'sus', body: [session, 7, 'push-to-talk'] });
    portal.emitRaw({ ...shortcuts, member: 'Deactivated', signature: 'a{sv}', body: [{}] });
    portal.emitRaw({ ...shortcuts, member: 'Pressed', signature: 'osta{sv}', body: [session, 'push-to-talk', 1n, {}] });
    portal.emitRaw({ path: session, iface: PORTAL.session, member: 'Opened', signature: '', body: [] });
    portal.activate();
    await eventually(() => expect(seen).toEqual(['press']));
  });

  it('ignores a press sent by any other client on the bus', async () => {
    const { seen, events } = recorder();
    await bound(client().bind('F8', events));
    const session = portal.sessions()[0] as string;
    const impostor: MessageBus = sessionBus({ busAddress: toDbusNextAddress(bus.address) as string });
    impostor.on('error', () => undefined);
    await new Promise<void>((resolve) => impostor.once('connect', () => resolve()));
    try {
      for (const member of ['Activated', 'Deactivated']) {
        const signal = Message.newSignal(PORTAL.path, PORTAL.globalShortcuts, member, 'osta{sv}', [
          session,
          'push-to-talk',
          1n,
          {},
        ]);
        signal.destination = portal.clientName();
        impostor.send(signal);
      }
      const closed = Message.newSignal(session, PORTAL.session, 'Closed', 'a{sv}', [{}]);
      closed.destination = portal.clientName();
      impostor.send(closed);
      // The bus handles one connection's messages in order: after this answer the impostor's signals are routed,
      // so the portal's press below reaches whoot after them.
      await impostor.call(
        new Message({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'GetId',
        }),
      );
      portal.activate();
      await eventually(() => expect(seen).toEqual(['press']));
      await new Promise((done) => setTimeout(done, 50));
      expect(seen).toEqual(['press']);
    } finally {
      impostor.disconnect();
    }
  });

  it('reports a cancelled dialog as the user saying no, and closes the session it opened', async () => {
    portal.bindAnswer = { kind: 'cancelled' };
    const result = await client().bind('F8', recorder().events);
    expect(result).toEqual({ ok: false, cancelled: true, reason: expect.stringMatching(/you cancelled/) });
    await eventually(() => expect(portal.calls.at(-1)?.member).toBe('Close'));
    expect(portal.sessions()).toEqual([]);
  });

  it('reports a refusal that is not the user', async () => {
    portal.bindAnswer = { kind: 'failed' };
    const result = await client().bind('F8', recorder().events);
    expect(result).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/did not bind F8/) });
  });

  it('gives up on a dialog nobody answers, closing the request and the session', async () => {
    portal.bindAnswer = { kind: 'pending' };
    const result = await client({ dialogTimeoutMs: 300 }).bind('F8', recorder().events);
    expect(result).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/did not answer/) });
    await eventually(() => expect(portal.calls.map((call) => call.member)).toContain('Close'));
    expect(portal.calls.map((call) => call.member)).toContain('RequestClose');
  });

  it('stops waiting when whoot abandons the bind', async () => {
    portal.bindAnswer = { kind: 'pending' };
    const abandon = new AbortController();
    const pending = client().bind('F8', recorder().events, abandon.signal);
    await eventually(() => expect(portal.calls.map((call) => call.member)).toContain('BindShortcuts'));
    abandon.abort();
    expect(await pending).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/stopped waiting/) });
    await eventually(() => expect(portal.sessions()).toEqual([]));
  });

  it('tells when the desktop closes the session, and then hears nothing more', async () => {
    const { seen, events } = recorder();
    await bound(client().bind('F8', events));
    portal.activate();
    portal.closeSession();
    await eventually(() => expect(seen).toEqual(['press', 'closed: the desktop closed the global shortcuts session']));
  });

  it('tells when the portal itself goes away', async () => {
    const { seen, events } = recorder();
    await bound(client().bind('F8', events));
    await portal.stop();
    await eventually(() => expect(seen).toEqual(['closed: the desktop portal stopped']));
    portal = await startTestPortal({ busAddress: bus.address });
  });

  it('tells when the session bus itself goes away', async () => {
    const ownBus = await startPrivateBus();
    const ownPortal = await startTestPortal({ busAddress: ownBus.address });
    try {
      const { seen, events } = recorder();
      await bound(client({ busAddress: ownBus.address }).bind('F8', events));
      await ownBus.crash();
      await eventually(() =>
        expect(seen).toEqual([expect.stringMatching(/^closed: the D-Bus connection .* was lost/)]),
      );
    } finally {
      await ownPortal.stop();
      await ownBus.stop();
    }
  });

  it('closes the session on close(), and reports nothing after', async () => {
    const { seen, events } = recorder();
    const shortcut = await bound(client().bind('F8', events));
    const session = portal.sessions()[0];
    shortcut.close();
    await eventually(() => expect(portal.calls.at(-1)).toEqual({ member: 'Close', session }));
    expect(seen).toEqual([]);
  });

  it('refuses a mouse button before asking the desktop', async () => {
    const result = await client().bind('Mouse4', recorder().events);
    expect(result).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/not a key/) });
    expect(portal.calls).toEqual([]);
  });

  it('fails with a reason when no portal runs on the bus, or there is no bus', async () => {
    await portal.stop();
    const noPortal = await client().bind('F8', recorder().events);
    expect(noPortal).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/not running/) });
    const noBus = await client({ busAddress: undefined }).bind('F8', recorder().events);
    expect(noBus).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/DBUS_SESSION_BUS_ADDRESS/) });
    const goneBus = await client({ busAddress: 'unix:path=/nonexistent/whoot-bus' }).bind('F8', recorder().events);
    expect(goneBus).toEqual({ ok: false, cancelled: false, reason: expect.stringMatching(/session bus failed/) });
    portal = await startTestPortal({ busAddress: bus.address });
  });
});
