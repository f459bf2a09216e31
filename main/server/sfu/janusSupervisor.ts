import { readFileSync } from 'node:fs';
import { connectJanus, type JanusApi, type JanusHandle, type JanusSession } from './janusClient';
import { writeJanusConfig } from './janusConfig';
import { startJanusChild, type JanusChild } from './janusProcess';
import type { SfuConfig } from './sfuConfig';

export const VIDEOROOM = 'janus.plugin.videoroom';

/** One connection to a live Janus: the API, the admin key rooms need, and a control handle for room requests. */
export interface JanusLink {
  readonly api: JanusApi;
  readonly adminKey: string;
  /** A VideoRoom handle of the server's own, for create, destroy, moderate and listparticipants. */
  readonly control: JanusHandle;
  /** Which start of Janus this is (1, 2, ...): a member opened on an older one is gone with it. */
  readonly generation: number;
}

export interface JanusSupervisor {
  /** The live link, or null while Janus is down or (re)starting. */
  current(): JanusLink | null;
  /** Called with the link when Janus is up (again), and with null when it went away. */
  onChange(listener: (link: JanusLink | null) => void): () => void;
  /** The child's process id (a Janus run apart has none): the benchmark reads its CPU time. */
  pid(): number | null;
  /** Resolves once the first start succeeded (or rejects with why it failed). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const RESTART_DELAYS_MS = [250, 1000, 2000, 5000, 10_000];

/**
 * Starts Janus (a child with its generated config, or a Janus run apart) and keeps a link to it. When the child
 * exits or the link drops, it says so at once (`onChange(null)`: rooms fall back to a mesh), then starts it again
 * with fresh secrets, backing off while it keeps failing, and says so again when it answers.
 */
export function superviseJanus(
  dataDir: string,
  config: SfuConfig['janus'],
  iceAddress: string,
  log: (message: string) => void,
  tap?: (request: Readonly<Record<string, unknown>>) => void,
): JanusSupervisor {
  const listeners = new Set<(link: JanusLink | null) => void>();
  let link: JanusLink | null = null;
  let child: JanusChild | null = null;
  let closed = false;
  let generation = 0;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | null = null;

  const notify = (value: JanusLink | null) => {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        log(`sfu: a listener failed: ${(error as Error).message}`);
      }
    }
  };

  async function open(): Promise<void> {
    let url: string;
    let apiSecret: string;
    let adminKey: string;
    if (config.kind === 'child') {
      const files = writeJanusConfig(dataDir, config, iceAddress);
      child = await startJanusChild(config.binary, files, (line) => log(`janus: ${line}`));
      ({ url, apiSecret, adminKey } = files);
    } else {
      url = config.url;
      apiSecret = readFileSync(config.apiSecretFile, 'utf8').trim();
      adminKey = readFileSync(config.adminKeyFile, 'utf8').trim();
    }
    const api = await connectJanus(url, apiSecret, (message) => log(`sfu: ${message}`), tap);
    let session: JanusSession;
    try {
      session = await api.createSession();
    } catch (error) {
      api.close();
      throw error;
    }
    const control = await session.attach(VIDEOROOM);
    generation += 1;
    const opened: JanusLink = { api, adminKey, control, generation };
    link = opened;
    failures = 0;
    const running = child;
    void api.closed.then(() => lost(opened, 'its API connection closed'));
    void running?.exited.then(({ code, signal }) => lost(opened, `it exited (${signal ?? code})`));
    const { version } = await api.info();
    log(`sfu: Janus ${version} answering (start ${generation}${running ? `, pid ${running.pid}` : ''})`);
    notify(opened);
  }

  function lost(which: JanusLink, why: string): void {
    if (link !== which) return;
    link = null;
    which.api.close();
    const dying = child;
    child = null;
    void dying?.stop();
    if (closed) return;
    log(`sfu: Janus went away (${why}); voice rooms on it fall back to a mesh while it restarts`);
    notify(null);
    scheduleRestart();
  }

  function scheduleRestart(): void {
    if (closed || retryTimer !== null) return;
    const delay = RESTART_DELAYS_MS[Math.min(failures, RESTART_DELAYS_MS.length - 1)] ?? 10_000;
    failures += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open().catch((error: unknown) => {
        log(`sfu: Janus did not come back: ${(error as Error).message.split('\n')[0]}`);
        void child?.stop();
        child = null;
        scheduleRestart();
      });
    }, delay);
    retryTimer.unref();
  }

  const ready = open().catch((error: unknown) => {
    void child?.stop();
    child = null;
    throw error;
  });

  return {
    current: () => link,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pid: () => child?.pid ?? null,
    ready,
    async close() {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      const last = link;
      link = null;
      last?.api.close();
      await child?.stop();
      child = null;
    },
  };
}
