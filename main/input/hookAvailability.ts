/**
 * Whether a system key hook can see the desktop's keys here, before trying one. On Wayland no client may see input
 * meant for another (by design); libuiohook would only see keys typed into XWayland windows, which looks like a
 * push-to-talk that works "sometimes". There the controller asks the desktop's XDG GlobalShortcuts portal instead
 * (main/input/globalShortcutsPortal.ts, docs/architecture.md), and the reason below starts what it says when that
 * fails too.
 */
export interface InputEnvironment {
  readonly platform: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function isWaylandSession(environment: InputEnvironment): boolean {
  if (environment.platform !== 'linux') return false;
  const { env } = environment;
  return env['XDG_SESSION_TYPE'] === 'wayland' || (env['WAYLAND_DISPLAY'] ?? '') !== '';
}

export function hookAvailability(environment: InputEnvironment): { ok: true } | { ok: false; reason: string } {
  if (environment.platform === 'win32' || environment.platform === 'darwin') return { ok: true };
  if (environment.platform !== 'linux') return { ok: false, reason: `No key hook exists for ${environment.platform}` };
  if (isWaylandSession(environment)) {
    return {
      ok: false,
      reason:
        'This is a Wayland session, where apps cannot see keys pressed in other windows except through the ' +
        "desktop's global shortcuts portal",
    };
  }
  if ((environment.env['DISPLAY'] ?? '') === '') return { ok: false, reason: 'No X display is set (DISPLAY is empty)' };
  return { ok: true };
}
