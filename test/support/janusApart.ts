import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJanusConfig } from '../../main/server/sfu/janusConfig';
import { sfuConfigSchema, type JanusChildConfig, type JanusExternalConfig } from '../../main/server/sfu/sfuConfig';
import { freePort } from './freePort';
import { waitForReadyLine } from './readyLine';
import { stopChild } from './stopChild';

/**
 * Janus run apart from the server, the way docs/admin.md ("Janus on another host") tells an operator to run it: the
 * VideoRoom plugin and the WebSockets transport only, the API on TCP bound to one address with an ACL, an API
 * secret and a VideoRoom admin key the whoot server reads from files, media on one private interface. Here the
 * "other host" is this one: the API on 127.0.0.1, the media on this host's private address. Ready when Janus logs
 * that its WebSockets server started; stopped by `stop()` or, if the test process dies first, by a watchdog.
 */
export interface JanusApart {
  /** The `sfu.janus` value for the whoot server. */
  readonly config: JanusExternalConfig;
  /** Stops Janus (SIGKILL when `hard`) and resolves once it has exited. */
  kill(hard?: boolean): Promise<void>;
  /** Starts it again with the same configuration and secrets (an operator's restart). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startJanusApart(iceAddress: string): Promise<JanusApart> {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-janus-apart-'));
  const childDefaults = sfuConfigSchema.parse({ enabled: true }).janus as JanusChildConfig;
  const files = writeJanusConfig(dir, childDefaults, iceAddress);
  const port = await freePort();
  // The generated config listens on a Unix socket; the operator's listens on a private address, for one client.
  const transport = join(files.dir, 'janus.transport.websockets.jcfg');
  writeFileSync(
    transport,
    readFileSync(transport, 'utf8').replace(
      /\tws_unix = .*\n/,
      `\tws_port = ${port}\n\tws_ip = "127.0.0.1"\n\tws_acl = "127.0.0.1"\n`,
    ),
  );
  const apiSecretFile = join(dir, 'janus-api-secret');
  const adminKeyFile = join(dir, 'janus-admin-key');
  writeFileSync(apiSecretFile, `${files.apiSecret}\n`, { mode: 0o600 });
  writeFileSync(adminKeyFile, `${files.adminKey}\n`, { mode: 0o600 });
  const log: string[] = [];
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const started = spawn(childDefaults.binary, ['--configs-folder', files.dir, '--config', files.configFile], {
      cwd: files.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForReadyLine(started, 'stdout', `Websockets server started (port ${port})`, log);
    started.stdout?.resume();
    started.stderr?.resume();
    child = started;
    if (started.pid !== undefined) startWatchdog(process.pid, started.pid);
  }

  async function kill(hard = false): Promise<void> {
    const running = child;
    child = undefined;
    await stopChild(running, hard);
  }

  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    config: {
      kind: 'external',
      url: `ws://127.0.0.1:${port}/`,
      apiSecretFile,
      adminKeyFile,
      rtpPorts: childDefaults.rtpPorts,
      iceAddress,
    },
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A detached shell that ends Janus when `parentPid` goes; exits by itself. */
function startWatchdog(parentPid: number, janusPid: number): void {
  const script = `
    while kill -0 ${parentPid} 2>/dev/null && kill -0 ${janusPid} 2>/dev/null; do sleep 1; done
    kill -KILL ${janusPid} 2>/dev/null`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}
