import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportedLine } from './reportedLine';

/**
 * A private D-Bus session bus for tests: its own dbus-daemon listening on a socket in a fresh 0700 directory, with
 * no service directories, so nothing on this machine (a real xdg-desktop-portal included) can be started on it.
 */
export interface PrivateBus {
  /** A DBUS_SESSION_BUS_ADDRESS for this bus. */
  readonly address: string;
  /** Kills the daemon outright, so it says goodbye to nobody (no NameOwnerChanged), as a crashed session bus. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export function privateBusUnavailable(): string | null {
  if (process.platform !== 'linux') return 'D-Bus tests run on Linux only';
  if (spawnSync('sh', ['-c', 'command -v dbus-daemon']).status !== 0) {
    return 'dbus-daemon is not installed (apt-get install -y dbus)';
  }
  return null;
}

export async function startPrivateBus(): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-bus-'));
  const config = join(dir, 'bus.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const child = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address=3'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const address = await reportedLine(child, 'dbus-daemon');
    return {
      address,
      async crash() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
