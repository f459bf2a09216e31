/**
 * Client CPU benchmark: `npm run bench:client [-- options]` (after `npm run build`).
 *
 * What a call costs the app against what the call itself costs. In one run, on one machine:
 *   app:  two Chromium browsers run the real renderer build (the e2e harness: real preload bridge, real main
 *         handlers, the real server with its embedded relay), sign in, join one relay-only voice channel and talk;
 *   bare: two more browsers open a minimal page (e2e/harness/relayPeerPage.ts: getUserMedia, one relay-only
 *         RTCPeerConnection, an <audio> element) and call each other through the same relay with the same TURN
 *         credentials.
 * Every browser gets the same fake microphone (a WAV of speech, espeak-ng; with --pause, a silence after each
 * sentence) and the same flags. Both calls are up at once; once they have settled, the CPU time of each browser's
 * process tree (/proc: the browser, its renderers, audio, network and GPU processes) is sampled over the same
 * --seconds for all four, and the bench prints each browser's share of one core, both calls' sums, and app over bare.
 * Sampled together, the two calls read the same seconds of a machine whose speed drifts (a VM's neighbours): one
 * after the other, the bare page alone moved by up to 10 points of a core between consecutive windows. The browsers
 * run headless; their compositor and GPU process still draw each frame (in software), and are counted.
 *
 * Options:
 *   --seconds S      sampling window per call (default 30)
 *   --settle S       wait after the call connects before sampling (default 5)
 *   --rounds N       app and bare calls each (default 1)
 *   --apart          one call at a time, each in its own window (rounds alternate which goes first), as before
 *   --control        a check of the method itself: the bare page in both places (the "app" call is a second bare
 *                    call, set up first as the app's is); its ratio should read 1
 *   --pause S        S seconds of silence after each sentence (default 0: speech without pause, the app's voice
 *                    gate stays open). A call is turns of talking and listening; in a pause the app sends nothing
 *                    and the bare page sends its silence
 *   --profile DIR    write a V8 CPU profile and an allocation profile (collected objects too) of the first app page's
 *                    JavaScript during each app window (CDP)
 *   --trace DIR      in round 1, record a Chromium trace of the first browser of each call during its window and
 *                    print what the page's main thread, compositor and V8's background threads, and the GPU
 *                    process's display compositor spent their time on (self time by event);
 *                    tracing costs CPU itself, so that round's figures are not comparable with the others
 *   --timeout S      watchdog for the whole run (default 900)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { formatInviteLink, parseDeepLink } from '../shared/deepLink';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR } from '../e2e/harness/appPage';
import { launchChromium, trustPinnedKey } from '../e2e/harness/chromium';
import { acceptAnswer, negotiate, openPeer, RELAY_PEER_PAGE, waitConnected } from '../e2e/harness/relayPeerPage';
import { makeSpeechWav } from '../e2e/harness/speechWav';
import { serveDirectory, type StaticServer } from '../e2e/harness/staticServer';
import { signInWithInvite } from '../e2e/scenarios/appScenarios';
import { rootPidWith, treeCpuByRole, treeCpuByThread } from './support/processCpu';
import { selfTimeByThread } from './support/traceSummary';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    settle: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '1' },
    pause: { type: 'string', default: '0' },
    profile: { type: 'string' },
    trace: { type: 'string' },
    apart: { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' },
  },
  strict: true,
});

const number = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a number > 0, got ${text}`);
  return value;
};
const seconds = number('seconds', args.seconds);
const settleSeconds = number('settle', args.settle);
const rounds = Math.round(number('rounds', args.rounds));
const apart = args.apart === true;
const control = args.control === true;
if (control && apart) throw new Error('--control checks the same-window method: it goes without --apart');
const sleep = (s: number) => new Promise((done) => setTimeout(done, s * 1000));

setTimeout(
  () => {
    console.error(`Watchdog: past ${args.timeout} s; stopping.`);
    process.exit(3);
  },
  number('timeout', args.timeout) * 1000,
).unref();

interface Setup {
  readonly server: TestServer;
  readonly pages: StaticServer;
  readonly invite: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly people: readonly [TestClient, TestClient];
  readonly speech: string;
}

/** A browser of its own per client, marked on its command line so its process tree can be found. */
async function browserFor(setup: Setup, marker: string): Promise<Browser> {
  return launchChromium([
    `--use-file-for-fake-audio-capture=${setup.speech}`,
    trustPinnedKey(setup.server.server.spkiPin),
    '--autoplay-policy=no-user-gesture-required',
    `--whoot-bench-client=${marker}`,
  ]);
}

interface CallCpu {
  /** Each browser's process tree, as a share of one core (1 = a whole core). */
  readonly browsers: number[];
  /** Both browsers' processes summed by role (renderer, gpu-process, utility:AudioService...), same unit. */
  readonly roles: Map<string, number>;
  /** Both browsers' renderer processes summed by thread name, same unit. */
  readonly rendererThreads: Map<string, number>;
  /** With --trace, round 1: the first browser's self time by thread name, then event name (ms per second). */
  readonly trace?: Map<string, Map<string, number>>;
}

/** The first browser of a call and where its trace goes (--trace). */
interface TraceTarget {
  readonly browser: Browser;
  readonly page: Page;
  readonly file: string;
}

/** Enough to name what a renderer's threads run; each category costs the traced browser CPU. */
const TRACE_CATEGORIES = [
  'toplevel',
  'blink',
  'cc',
  'v8',
  'disabled-by-default-v8.gc',
  'disabled-by-default-v8.compile',
  'viz',
  'gpu',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.invalidationTracking',
  'webrtc',
  'media',
  'audio',
  'renderer.scheduler',
];
/** The page's main thread and compositor, V8's background work (collector, compilers), and the drawing of frames. */
const TRACED_THREADS = new Set([
  'CrRendererMain',
  'Compositor',
  'ThreadPoolForegroundWorker',
  'VizCompositorThread',
  'CrGpuMain',
]);

/** Per key, what `after` gained over `before` (CPU seconds) as a share of `wall` seconds, added into `into`. */
function addShares(into: Map<string, number>, before: Map<string, number>, after: Map<string, number>, wall: number) {
  for (const [key, cpu] of after) into.set(key, (into.get(key) ?? 0) + (cpu - (before.get(key) ?? 0)) / wall);
}

const sumOf = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** One call's browsers to sample, and where the first one's trace goes (--trace, round 1). */
interface Sampled {
  readonly markers: readonly string[];
  readonly trace: TraceTarget | null;
}

/**
 * CPU of each browser's process tree over one window, by process role and by renderer thread, for each call given:
 * calls sampled together read the same seconds of the machine.
 */
async function sampleCpu(calls: readonly Sampled[]): Promise<CallCpu[]> {
  const roots = calls.map(({ markers }) =>
    markers.map((marker) => {
      const pid = rootPidWith(`--whoot-bench-client=${marker}`);
      if (pid === null) throw new Error(`no browser process for ${marker}`);
      return pid;
    }),
  );
  /** One browser's CPU so far: its tree by process role, and its renderers by thread. */
  const read = (pid: number) => ({ roles: treeCpuByRole(pid), threads: treeCpuByThread(pid, 'renderer') });
  const before = roots.map((pids) => pids.map(read));
  const traces = calls.map(({ trace }) => trace).filter((trace) => trace !== null);
  for (const trace of traces) await trace.browser.startTracing(trace.page, { categories: TRACE_CATEGORIES });
  const started = performance.now();
  await sleep(seconds);
  const wall = (performance.now() - started) / 1000;
  // Read at once, before the traces are written: the window is the same for every call.
  const after = roots.map((pids) => pids.map(read));
  const traced = new Map<TraceTarget, Map<string, Map<string, number>>>();
  for (const trace of traces) {
    const json = (await trace.browser.stopTracing()).toString('utf8');
    writeFileSync(trace.file, json);
    console.error(`trace: ${trace.file}`);
    traced.set(
      trace,
      new Map(
        [...selfTimeByThread(json, (name) => TRACED_THREADS.has(name))].map(([thread, byName]) => [
          thread,
          new Map([...byName].map(([name, ms]) => [name, ms / wall])),
        ]),
      ),
    );
  }
  return calls.map(({ trace }, call) => {
    const roles = new Map<string, number>();
    const rendererThreads = new Map<string, number>();
    // A browser's tree is the sum of its roles, so one /proc walk per reading gives both.
    const browsers = (after[call] ?? []).map((end, i) => {
      const start = before[call]?.[i] ?? end;
      addShares(roles, start.roles, end.roles, wall);
      addShares(rendererThreads, start.threads, end.threads, wall);
      return (sumOf(end.roles.values()) - sumOf(start.roles.values())) / wall;
    });
    const traceOf = trace === null ? undefined : traced.get(trace);
    return { browsers, roles, rendererThreads, ...(traceOf === undefined ? {} : { trace: traceOf }) };
  });
}

async function profiled<T>(page: Page, file: string | null, run: () => Promise<T>): Promise<T> {
  if (file === null) return run();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  // What the page allocates, collected or not: the garbage behind V8's collections in a call.
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  try {
    return await run();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    const heap = file.replace(/\.cpuprofile$/, '.heapprofile');
    writeFileSync(heap, JSON.stringify((await cdp.send('HeapProfiler.stopSampling')).profile));
    console.error(`profiles of the app page: ${file}, ${heap} (allocations, open in DevTools' Memory panel)`);
  }
}

/** Two marked browsers for one call, closed whatever happens. */
async function withBrowsers<T>(
  setup: Setup,
  markers: readonly string[],
  use: (browsers: Browser[]) => Promise<T>,
): Promise<T> {
  const browsers = await Promise.all(markers.map((marker) => browserFor(setup, marker)));
  try {
    return await use(browsers);
  } finally {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => undefined)));
  }
}

/** The first browser of a call in round 1, when --trace asks for it. */
function traceTarget(browsers: Browser[], pages: Page[], call: string, round: number): TraceTarget | null {
  if (args.trace === undefined || round !== 1) return null;
  const dir = resolve(args.trace);
  mkdirSync(dir, { recursive: true });
  return { browser: browsers[0] as Browser, page: pages[0] as Page, file: join(dir, `${call}-round1.json`) };
}

/** Two browsers in a call through the real app, both listed in it with a live connection: their pages. */
async function openAppCall(setup: Setup, browsers: Browser[]): Promise<Page[]> {
  const pages: Page[] = [];
  for (const [i, browser] of browsers.entries()) {
    const app = await openAppPage(browser, setup.pages.origin);
    const person = setup.people[i] as TestClient;
    await signInWithInvite(app.page, setup.invite, person.email, person.password);
    pages.push(app.page);
  }
  for (const page of pages) {
    await page.getByRole('button', { name: `Join ${setup.channelName}` }).click();
    await page.getByRole('status').filter({ hasText: 'Voice connected' }).waitFor({ timeout: 60_000 });
  }
  // Connected both ways: each page lists the other in the call, with a live connection.
  for (const page of pages) {
    await page
      .getByRole('region', { name: `Call in ${setup.channelName}` })
      .getByRole('listitem')
      .nth(1)
      .waitFor({ timeout: 60_000 });
  }
  return pages;
}

/** Two browsers on the bare page, calling each other through the same relay: their pages once connected. */
async function openBareCall(setup: Setup, browsers: Browser[]): Promise<Page[]> {
  const pages: Page[] = [];
  for (const [i, browser] of browsers.entries()) {
    const page = await (await browser.newContext()).newPage();
    // tsx keeps function names with a helper (__name) that functions handed to page.evaluate take along.
    await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    await page.goto(`${setup.pages.origin}/peer.html`);
    const ice = await (setup.people[i] as TestClient).call('voiceCredentials', {
      body: { channelId: setup.channelId },
    });
    await openPeer(page, ice, true);
    pages.push(page);
  }
  const [a, b] = pages as [Page, Page];
  const offer = await negotiate(a);
  const answer = await negotiate(b, offer);
  await acceptAnswer(a, answer);
  await Promise.all([waitConnected(a, 60_000), waitConnected(b, 60_000)]);
  return pages;
}

/** The app page's profiles of one round (--profile), or null. */
function profileFile(round: number): string | null {
  if (args.profile === undefined) return null;
  const dir = resolve(args.profile);
  mkdirSync(dir, { recursive: true });
  return join(dir, `app-round${round}.cpuprofile`);
}

/** One call at a time, each in its own window: the app's, then the bare page's, or the other way round. */
async function oneCall(setup: Setup, round: number, call: 'app' | 'bare'): Promise<CallCpu> {
  const markers = [`${call}-${round}-a`, `${call}-${round}-b`];
  return withBrowsers(setup, markers, async (browsers) => {
    const pages = call === 'app' ? await openAppCall(setup, browsers) : await openBareCall(setup, browsers);
    await sleep(settleSeconds);
    const sampled = () => sampleCpu([{ markers, trace: traceTarget(browsers, pages, call, round) }]);
    const [cpu] = call === 'app' ? await profiled(pages[0] as Page, profileFile(round), sampled) : await sampled();
    return cpu as CallCpu;
  });
}

/** Both calls up at once and sampled over the same seconds, so a machine whose speed drifts moves both alike. */
async function bothCalls(setup: Setup, round: number): Promise<{ app: CallCpu; bare: CallCpu }> {
  const appMarkers = [`app-${round}-a`, `app-${round}-b`];
  const bareMarkers = [`bare-${round}-a`, `bare-${round}-b`];
  return withBrowsers(setup, [...appMarkers, ...bareMarkers], async (browsers) => {
    const appBrowsers = browsers.slice(0, 2);
    const bareBrowsers = browsers.slice(2);
    const appPages = control ? await openBareCall(setup, appBrowsers) : await openAppCall(setup, appBrowsers);
    const barePages = await openBareCall(setup, bareBrowsers);
    await sleep(settleSeconds);
    const [app, bare] = await profiled(appPages[0] as Page, profileFile(round), () =>
      sampleCpu([
        { markers: appMarkers, trace: traceTarget(appBrowsers, appPages, 'app', round) },
        { markers: bareMarkers, trace: traceTarget(bareBrowsers, barePages, 'bare', round) },
      ]),
    );
    return { app: app as CallCpu, bare: bare as CallCpu };
  });
}

async function setUp(workDir: string): Promise<Setup> {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first.`);
  }
  const pauseSeconds = Number(args.pause);
  if (!Number.isFinite(pauseSeconds) || pauseSeconds < 0) throw new Error(`--pause must be >= 0, got ${args.pause}`);
  const speech = makeSpeechWav(workDir, 'Hello from whoot. Testing one two three. Can you hear me now?', {
    pauseSeconds,
  });
  const pages = await serveDirectory(RENDERER_DIR, { '/peer.html': RELAY_PEER_PAGE });
  const server = await startTestServer({ allowedOrigins: [pages.origin] });
  const ada = await signUpAndIn(server.server, 'Ada');
  const bob = await signUpAndIn(server.server, 'Bob');
  const { workspace } = await ada.call('createWorkspace', { body: { slug: 'bench-client', name: 'Bench' } });
  const channelName = 'Lobby';
  const { channel } = await ada.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: { name: channelName, kind: 'voice' },
  });
  const link = await server.server.createInvite('bench-client', { maxUses: 10 });
  const parsed = parseDeepLink(link);
  if (!parsed.ok) throw new Error('invite did not parse');
  await bob.call('acceptInvite', { body: { code: parsed.value.invite.code } });
  return {
    server,
    pages,
    invite: formatInviteLink(parsed.value.invite),
    channelId: channel.id,
    channelName,
    people: [ada, bob],
    speech,
  };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'whoot-bench-client-'));
  const setup = await setUp(workDir);
  const results: { app: CallCpu; bare: CallCpu }[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      let app: CallCpu;
      let bare: CallCpu;
      if (apart) {
        // Alternating order: on a machine whose load drifts, neither call always gets the quieter minute.
        const appFirst = round % 2 === 1;
        process.stderr.write(`round ${round}: ${appFirst ? 'app then bare' : 'bare then app'} … `);
        const first = await oneCall(setup, round, appFirst ? 'app' : 'bare');
        const second = await oneCall(setup, round, appFirst ? 'bare' : 'app');
        [app, bare] = appFirst ? [first, second] : [second, first];
      } else {
        process.stderr.write(`round ${round}: both calls at once … `);
        ({ app, bare } = await bothCalls(setup, round));
      }
      results.push({ app, bare });
      // Where each call's figure sits this round: a round far from the others shows which part moved.
      const parts = (cpu: CallCpu) =>
        ['renderer', 'utility:AudioService', 'gpu-process'].map((role) => percent(cpu.roles.get(role) ?? 0)).join('/');
      process.stderr.write(
        `app ${app.browsers.map(percent).join(' + ')}, bare ${bare.browsers.map(percent).join(' + ')} ` +
          `(renderer/audio service/GPU: app ${parts(app)}, bare ${parts(bare)})\n`,
      );
    }
  } finally {
    await setup.pages.close();
    await setup.server.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  const appSums = results.map((r) => sumOf(r.app.browsers));
  const bareSums = results.map((r) => sumOf(r.bare.browsers));
  const ratios = appSums.map((app, i) => app / (bareSums[i] as number));
  console.log(
    `\nTwo Chromium clients in a relay-only call, ${seconds} s sampled after ${settleSeconds} s settling, ` +
      (apart ? 'each call in its own window, ' : 'both calls in the same window, ') +
      (control ? 'CONTROL: the bare page in both places (app = a second bare call), ' : '') +
      `${rounds} round(s), medians; CPU of each browser's process tree as a share of one core; ` +
      (args.pause === '0' ? 'speech without pause' : `speech, then ${args.pause} s of silence`),
  );
  const appLabel = control ? 'app  (a bare page, set up first)' : 'app  (whoot renderer)';
  console.log(`${appLabel}: ${percent(median(appSums))} for both (${appSums.map(percent).join(', ')})`);
  console.log(`bare (minimal page):   ${percent(median(bareSums))} for both (${bareSums.map(percent).join(', ')})`);
  /** Each key of one breakdown with the medians of both calls across rounds. */
  const medians = (breakdown: (cpu: CallCpu) => Map<string, number>) =>
    [...new Set(results.flatMap((r) => [...breakdown(r.app).keys(), ...breakdown(r.bare).keys()]))].map((key) => ({
      key,
      app: median(results.map((r) => breakdown(r.app).get(key) ?? 0)),
      bare: median(results.map((r) => breakdown(r.bare).get(key) ?? 0)),
    }));
  const printRows = (rows: readonly { key: string; app: number; bare: number }[]) => {
    for (const { key, app, bare } of rows) {
      console.log(`  ${key.padEnd(32)} app ${percent(app).padStart(7)}  bare ${percent(bare).padStart(7)}`);
    }
  };
  // Where the difference is: which of Chromium's processes spends it (the page's renderer, the audio service...).
  console.log('by process role, both browsers, medians:');
  printRows(medians((cpu) => cpu.roles).sort((x, y) => (x.key < y.key ? -1 : 1)));
  // The renderer holds the page, Web Audio and libwebrtc's threads: its threads whose medians differ most.
  const threads = medians((cpu) => cpu.rendererThreads);
  threads.sort((x, y) => Math.abs(y.app - y.bare) - Math.abs(x.app - x.bare));
  console.log('renderer threads, both browsers, medians (largest differences first):');
  printRows(threads.slice(0, 10));
  const first = results[0];
  if (first?.app.trace !== undefined && first.bare.trace !== undefined) {
    const [app, bare] = [first.app.trace, first.bare.trace];
    for (const thread of TRACED_THREADS) {
      const appEvents = app.get(thread) ?? new Map<string, number>();
      const bareEvents = bare.get(thread) ?? new Map<string, number>();
      const rows = [...new Set([...appEvents.keys(), ...bareEvents.keys()])]
        .map((name) => ({ name, app: appEvents.get(name) ?? 0, bare: bareEvents.get(name) ?? 0 }))
        .sort((x, y) => y.app - y.bare - (x.app - x.bare))
        .slice(0, 15);
      console.log(`traced ${thread}, first browser of round 1, self ms per second (largest app excess first):`);
      for (const row of rows) {
        console.log(
          `  ${row.name.slice(0, 44).padEnd(44)} app ${row.app.toFixed(2).padStart(6)}  bare ${row.bare.toFixed(2).padStart(6)}`,
        );
      }
    }
  }
  const ratio = median(ratios);
  console.log(`app/bare: ${ratio.toFixed(2)} (target ≤ 1.1) ${ratio <= 1.1 ? 'OK' : 'ABOVE'}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
