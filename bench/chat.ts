/**
 * Chat benchmark: `npm run bench:chat` (tsx bench/chat.ts).
 *
 * The real server (startServer: SQLite, sealed bodies and event payloads, encrypted blobs, TLS) runs in a child
 * process; the clients run here, so one clock times both ends of every message. Everything binds to 127.0.0.1, the
 * data directory is temporary and the run stops by itself.
 *
 * 1. Fan-out: 200 WSS clients in one workspace (20 members x 10 connections, read by receiver processes) while
 *    members post to one channel at 100 messages/s over signed REST; each delivery's latency is post start ->
 *    `message.posted` on that socket (process.hrtime is CLOCK_MONOTONIC, one clock for every process). The first
 *    WARMUP_SECONDS at the same rate are a warm-up, printed on a line of their own and left out of the figures: a
 *    freshly started server, its receivers and posters compile the hot path then (the first quarter second's posts
 *    waited 30-150 ms, and were a third of the deliveries above the p99). The server's event-loop delay over the
 *    measured window is printed beside it: a post waits behind whatever holds the loop.
 * 2. Files: a 24 MiB upload (streamed, SHA-256 checked, encrypted in 64 KiB chunks, fsynced) and its download
 *    (streamed, decrypted), beside a plain stream copy of the same bytes with fsync on the same machine, and beside
 *    the same upload to an HTTPS server that does nothing with the bytes: the ceiling TLS in Node sets here.
 *    Each is run once to warm up (JIT, TCP windows, page cache), then FILE_RUNS times; medians are reported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { availableParallelism, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import type { RunningServer } from '../main/server/serverApp';
import { makeSelfSignedCertificate } from '../test/support/selfSignedCertificate';
import { api, signUpAndIn, startTestServer, type TestClient } from '../test/support/serverHarness';
import { askChild as ask } from './support/childProcess';
import { openReceivingSocket } from './support/receivingSocket';
import { percentile } from './support/statistics';
import { benchUploadFile, measureUploadStages, type StageCost, type UploadStage } from './support/uploadStages';

const MEMBERS = 20;
const CONNECTIONS_PER_MEMBER = 10;
const POSTERS = 5;
const RATE = Number(process.env.BENCH_CHAT_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_CHAT_WARMUP_SECONDS ?? 2);
/** monitorEventLoopDelay records each interval between its timer's runs: the delay is what exceeds this. */
const LOOP_RESOLUTION_MS = 10;
const FILE_BYTES = 24 * 1024 * 1024;
const FILE_RUNS = 9;
const STAGE_RUNS = 5;
/** Every reader of the source file uses the app's own upload read size (main/ipc/handlers/filesTransfers.ts). */
const READ_BYTES = 1024 * 1024;
const WATCHDOG_MS = 240_000;

interface Started {
  readonly port: number;
  readonly spkiPin: string;
  /** The do-nothing HTTPS server beside it (same process, same TLS stack) and its certificate. */
  readonly discardPort: number;
  readonly discardCert: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Server process

async function runServer(): Promise<void> {
  const server = await startTestServer({
    chat: { posts: { burst: 10_000, perSecond: 1000 }, uploads: { burst: 100, perSecond: 100 } },
  });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  // How late the server's event loop runs timers: what a post waits behind when fan-out fills the loop.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  process.on('message', (message: { cmd: 'stop' | 'cpu' | 'stages' }) => {
    if (message.cmd === 'stop') void server.close().finally(() => process.exit(0));
    // In this process, so the stages run on the server's heap (its sessions, its V8 flags) as an upload does.
    if (message.cmd === 'stages') {
      void measureUploadStages(FILE_BYTES, STAGE_RUNS, tmpdir()).then((stages) => process.send?.({ stages }));
    }
    // CPU time so far (user + system, ms): the parent takes differences to get the server's share of a phase; and
    // the event-loop delay since the previous question.
    if (message.cmd === 'cpu') {
      const toMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
      process.send?.({
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        loopDelayMs: { p50: toMs(loop.percentile(50)), p99: toMs(loop.percentile(99)), max: toMs(loop.max) },
      } satisfies ServerCpu);
      loop.reset();
    }
  });
  const discard = await startDiscardServer();
  process.send?.({
    port: server.server.port,
    spkiPin: server.server.spkiPin,
    discardPort: discard.port,
    discardCert: discard.cert,
  } satisfies Started);
}

/** Reads each request body to the end and throws it away: an upload with no hashing, encryption or disk. */
async function startDiscardServer(): Promise<{ port: number; cert: string }> {
  const certificate = makeSelfSignedCertificate();
  const server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
    request.resume();
    request.once('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the discard server has no port');
  return { port: address.port, cert: certificate.cert };
}

// ---------------------------------------------------------------------------------------------------------------
// Clients

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;
const now = () => process.hrtime.bigint();

interface ServerCpu {
  readonly cpuMs: number;
  /** The server's event-loop delay since the previous reading: how late its 10 ms timer ran (monitorEventLoopDelay). */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

function serverCpuMs(child: ChildProcess): Promise<ServerCpu> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'cpuMs' in message) {
        child.off('message', listener);
        resolve(message as ServerCpu);
      }
    };
    child.on('message', listener);
    child.send({ cmd: 'cpu' });
  });
}

async function startChild(): Promise<{ child: ChildProcess; started: Started }> {
  // The child inherits this process's execArgv, so it runs under tsx as well.
  const profile = process.env.BENCH_CHAT_PROFILE;
  const child = fork(fileURLToPath(import.meta.url), ['server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // BENCH_CHAT_PROFILE=<dir> writes the server's CPU profile there (.cpuprofile, for Chrome DevTools).
    ...(profile ? { execArgv: [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profile}`] } : {}),
  });
  const started = await new Promise<Started>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Started));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, started };
}

/**
 * Receiver processes reading the 200 sockets. The clients must not starve the server they measure: on this 2-core
 * machine four receivers (20,000 frames/s of TLS between them) took the second core and part of the first, and the
 * server's p99 tripled from contention alone. One process per two cores beyond the server's leaves it a core.
 */
const RECEIVERS = Number(process.env.BENCH_CHAT_RECEIVERS ?? Math.max(1, Math.floor((availableParallelism() - 1) / 2)));

type ReceiverRequest =
  | { cmd: 'connect'; port: number; tickets: { ticket: string; path: string }[]; slotBase: number }
  | { cmd: 'count' | 'collect' | 'stop' };

/** A receiver process: opens its sockets, says hello, and records (process.hrtime, one clock machine-wide) arrivals. */
async function runReceiver(): Promise<void> {
  const arrivals: [number, number, string][] = [];
  const sockets: WebSocket[] = [];
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: ReceiverRequest) => {
    void (async () => {
      if (request.cmd === 'connect') {
        for (const [offset, { ticket, path }] of request.tickets.entries()) {
          const slot = request.slotBase + offset;
          sockets.push(
            await openReceivingSocket(request.port, ticket, path, (index, at) =>
              arrivals.push([index, slot, String(at)]),
            ),
          );
        }
        process.send?.({ ready: true });
      } else if (request.cmd === 'count') {
        process.send?.({ count: arrivals.length });
      } else if (request.cmd === 'collect') {
        process.send?.({ arrivals });
      } else {
        for (const socket of sockets) socket.terminate();
        process.exit(0);
      }
    })();
  });
}

async function fanOut(server: Started, cpu: () => Promise<ServerCpu>) {
  const target = server as unknown as RunningServer;
  const members: TestClient[] = [];
  for (let i = 0; i < MEMBERS; i += 1) members.push(await signUpAndIn(target, `bench${i}`));
  const [owner] = members as [TestClient];
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'bench', name: 'Bench' } });
  const { channel } = await owner.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: { name: 'general', kind: 'text' },
  });
  const invite = await owner.call('createInvite', { params: { workspaceId: workspace.id }, body: { maxUses: 100 } });
  for (const member of members.slice(1)) await member.call('acceptInvite', { body: { code: invite.code } });

  const total = RATE * SECONDS;
  const warm = Math.round(RATE * WARMUP_SECONDS);
  const clients = MEMBERS * CONNECTIONS_PER_MEMBER;
  progress(`${MEMBERS} members signed in; connecting ${clients} sockets from ${RECEIVERS} receiver processes`);
  const tickets: { ticket: string; path: string }[] = [];
  for (const member of members) {
    for (let c = 0; c < CONNECTIONS_PER_MEMBER; c += 1) {
      const { ticket, path } = await member.call('wsTicket', { body: { workspaceId: workspace.id } });
      tickets.push({ ticket, path });
    }
  }
  const per = Math.ceil(clients / RECEIVERS);
  const receivers = Array.from({ length: RECEIVERS }, () =>
    fork(fileURLToPath(import.meta.url), ['receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    await Promise.all(
      receivers.map((receiver, index) =>
        ask(
          receiver,
          {
            cmd: 'connect',
            port: server.port,
            tickets: tickets.slice(index * per, (index + 1) * per),
            slotBase: index * per,
          },
          'ready',
        ),
      ),
    );

    progress(`posting ${warm} messages to warm up, then ${total} at ${RATE}/s`);
    const sentAt: bigint[] = [];
    const postRoundTrips: number[] = [];
    const posts: Promise<unknown>[] = [];
    const first = now();
    let start = first;
    let cpuBefore: Promise<ServerCpu> = cpu();
    for (let i = 0; i < warm + total; i += 1) {
      const due = first + BigInt(Math.round((i * 1e9) / RATE));
      const wait = Number(due - now()) / 1e6;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (i === warm) {
        // The measured window starts: the server's CPU and loop-delay readings start with it.
        cpuBefore = cpu();
        start = now();
      }
      const poster = members[i % POSTERS] ?? owner;
      const postedAt = now();
      sentAt[i] = postedAt;
      posts.push(
        poster
          .call('postMessage', {
            params: { workspaceId: workspace.id, channelId: channel.id },
            body: { body: `bench ${i}` },
          })
          .then(() => {
            postRoundTrips[i] = ms(postedAt, now());
          }),
      );
    }
    await Promise.all(posts);
    const deadline = Date.now() + 15_000;
    const delivered = async () =>
      (await Promise.all(receivers.map((receiver) => ask<number>(receiver, { cmd: 'count' }, 'count')))).reduce(
        (sum, count) => sum + count,
        0,
      );
    while ((await delivered()) < (warm + total) * clients && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const end = now();
    const after = await cpu();
    const serverCpu = after.cpuMs - (await cpuBefore).cpuMs;
    const latencies: number[] = [];
    const warmLatencies: number[] = [];
    let last = start;
    for (const receiver of receivers) {
      for (const [index, , at] of await ask<[number, number, string][]>(receiver, { cmd: 'collect' }, 'arrivals')) {
        const arrived = BigInt(at);
        (index < warm ? warmLatencies : latencies).push(ms(sentAt[index] ?? start, arrived));
        if (arrived > last) last = arrived;
      }
    }
    return {
      clients,
      postRoundTrips: postRoundTrips.slice(warm),
      posted: total,
      postSeconds: ms(start, sentAt[warm + total - 1] ?? start) / 1000,
      deliveries: latencies.length,
      expected: total * clients,
      deliverySeconds: ms(start, last) / 1000,
      waitedSeconds: ms(start, end) / 1000,
      serverCpuShare: serverCpu / ms(start, end),
      loopDelayMs: after.loopDelayMs,
      latencies,
      warmLatencies,
      warmSeconds: WARMUP_SECONDS,
      owner,
      workspaceId: workspace.id,
      channelId: channel.id,
    };
  } finally {
    for (const receiver of receivers) {
      receiver.send({ cmd: 'stop' });
      receiver.kill();
    }
  }
}

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function files(
  server: Started,
  owner: TestClient,
  workspaceId: string,
  channelId: string,
  cpu: () => Promise<ServerCpu>,
) {
  const address = { host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin };
  const dir = mkdtempSync(join(tmpdir(), 'whoot-bench-chat-'));
  try {
    const { content, manifest } = benchUploadFile(FILE_BYTES, 'bench.pdf');
    const source = join(dir, 'source.pdf');
    writeFileSync(source, content);
    const mb = content.length / 1024 / 1024;
    const uploads: number[] = [];
    const downloads: number[] = [];
    const copies: number[] = [];
    const bare: number[] = [];
    // The server's CPU for each upload (user + system of its process): what the encrypted path costs beyond TLS.
    const uploadCpuMs: number[] = [];
    const bareCpuMs: number[] = [];
    const discardAgent = new Agent({ keepAlive: true, ca: server.discardCert });
    const rate = (started: bigint) => mb / (ms(started, now()) / 1000);
    // Run 0 warms up and is not counted.
    for (let run = 0; run <= FILE_RUNS; run += 1) {
      const record = (into: number[], value: number) => {
        if (run > 0) into.push(value);
      };
      let cpuBefore = await cpu();
      let started = now();
      const { file } = await api.upload(address, {
        params: { workspaceId, channelId },
        manifest,
        content: createReadStream(source, { highWaterMark: READ_BYTES }),
        signer: owner.signer,
      });
      record(uploads, rate(started));
      record(uploadCpuMs, (await cpu()).cpuMs - cpuBefore.cpuMs);

      started = now();
      const opened = await api.download(address, { params: { workspaceId, fileId: file.id }, signer: owner.signer });
      const hash = createHash('sha256');
      for await (const chunk of opened.stream as AsyncIterable<Buffer>) hash.update(chunk);
      record(downloads, rate(started));
      if (hash.digest('hex') !== manifest.sha256) throw new Error('the download does not match the upload');
      await owner.call('deleteFile', { params: { workspaceId, fileId: file.id } });

      cpuBefore = await cpu();
      started = now();
      await uploadToDiscard(server.discardPort, discardAgent, source, content.length);
      record(bare, rate(started));
      record(bareCpuMs, (await cpu()).cpuMs - cpuBefore.cpuMs);

      started = now();
      const target = await open(join(dir, `copy${run}`), 'w', 0o600);
      await pipeline(
        createReadStream(source, { highWaterMark: READ_BYTES }),
        target.createWriteStream({ flush: true, highWaterMark: READ_BYTES }),
      );
      record(copies, rate(started));
      rmSync(join(dir, `copy${run}`));
    }
    discardAgent.destroy();
    return { mb, uploads, downloads, copies, bare, uploadCpuMs, bareCpuMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same bytes, the same way (a 1 MiB-read file stream over kept-alive TLS), to the server that discards them. */
function uploadToDiscard(port: number, agent: Agent, source: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-length': String(size) } },
      (response) => {
        response.resume();
        response.once('end', () => (response.statusCode === 204 ? resolve() : reject(new Error('discard failed'))));
      },
    );
    outgoing.once('error', reject);
    createReadStream(source, { highWaterMark: READ_BYTES }).pipe(outgoing);
  });
}

async function runBench(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error('bench: watchdog fired');
    process.exit(2);
  }, WATCHDOG_MS);
  const { child, started } = await startChild();
  try {
    const fan = await fanOut(started, () => serverCpuMs(child));
    progress('uploading and downloading');
    const file = await files(started, fan.owner, fan.workspaceId, fan.channelId, () => serverCpuMs(child));
    progress('timing the upload stages in the server process');
    const stages = await ask<Record<UploadStage, StageCost>>(child, { cmd: 'stages' }, 'stages');
    const stage = (name: UploadStage) =>
      `${stages[name].cpuMs.toFixed(0)} ms CPU, ${stages[name].wallMs.toFixed(0)} ms wall`;
    const median = (values: number[]) => percentile(values, 50);
    /** Latencies as p50, p99 and max. */
    const spread = (values: number[]) =>
      `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, ` +
      `max ${values.reduce((a, b) => Math.max(a, b), 0).toFixed(1)} ms`;
    /** The median of the runs in MB/s, and every run. */
    const throughput = (values: number[]) =>
      `${median(values).toFixed(0)} MB/s (runs ${values.map((v) => v.toFixed(0)).join(', ')})`;
    const rows: Array<[string, string]> = [
      [
        'clients',
        `${fan.clients} WSS clients in one workspace (${MEMBERS} members x ${CONNECTIONS_PER_MEMBER}), read by ${RECEIVERS} receiver process(es)`,
      ],
      [
        'posted',
        `${fan.posted} messages in ${fan.postSeconds.toFixed(2)} s = ${(fan.posted / fan.postSeconds).toFixed(0)} messages/s (target ${RATE}/s, signed REST, ${POSTERS} posters)`,
      ],
      [
        'delivered',
        `${fan.deliveries}/${fan.expected} = ${(fan.deliveries / fan.deliverySeconds).toFixed(0)} deliveries/s, ` +
          `${(fan.deliveries / fan.clients / fan.deliverySeconds).toFixed(1)} messages/s per client`,
      ],
      ['delivery latency (post start -> event)', spread(fan.latencies)],
      [
        `warm-up, first ${fan.warmSeconds} s (not counted)`,
        fan.warmLatencies.length === 0 ? 'none' : `delivery ${spread(fan.warmLatencies)}`,
      ],
      [
        'of which the signed REST post',
        `p50 ${percentile(fan.postRoundTrips, 50).toFixed(1)} ms, p99 ${percentile(fan.postRoundTrips, 99).toFixed(1)} ms ` +
          '(post start -> 201, over kept-alive pinned connections)',
      ],
      [
        'server CPU during fan-out',
        `${(fan.serverCpuShare * 100).toFixed(0)} % of one core (the clients share the machine)`,
      ],
      [
        'server event-loop delay during fan-out',
        `p50 ${fan.loopDelayMs.p50.toFixed(1)} ms, p99 ${fan.loopDelayMs.p99.toFixed(1)} ms, ` +
          `max ${fan.loopDelayMs.max.toFixed(1)} ms (how late a 10 ms timer ran: monitorEventLoopDelay less its interval)`,
      ],
      [`upload ${file.mb.toFixed(0)} MiB (encrypted)`, throughput(file.uploads)],
      [`download ${file.mb.toFixed(0)} MiB (decrypted)`, throughput(file.downloads)],
      ['plain file copy (stream + fsync)', throughput(file.copies)],
      [
        'HTTPS upload, server discards',
        `${throughput(file.bare)}: ${(median(file.bare) / median(file.copies)).toFixed(3)} x plain copy, ` +
          'TLS alone in Node on this machine',
      ],
      [
        'ratio encrypted / plain',
        `upload ${(median(file.uploads) / median(file.copies)).toFixed(3)}, ` +
          `download ${(median(file.downloads) / median(file.copies)).toFixed(3)} ` +
          `(upload ${(median(file.uploads) / median(file.bare)).toFixed(3)} of the bare HTTPS upload)`,
      ],
      [
        'server CPU per upload',
        `encrypted ${median(file.uploadCpuMs).toFixed(0)} ms, bare HTTPS ${median(file.bareCpuMs).toFixed(0)} ms ` +
          `(medians; ${(median(file.uploadCpuMs) / median(file.bareCpuMs)).toFixed(2)}x)`,
      ],
      // Without TLS or sockets, in the server process: what the encrypted upload adds to the bare one, and where.
      ['upload stages in-process: 16 KiB reads alone', stage('reads')],
      ['  reads + type, size and SHA-256 check', stage('check')],
      ['  reads + blob encryption (AES-256-GCM)', stage('encrypt')],
      ['  reads + durable write (fsync)', stage('write')],
      ['  reads + all three, node:crypto on the JS thread', stage('node')],
      ['  reads + all three, blob-seal on a pool thread', stage('native')],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log('\nwhoot chat bench (real server in a child process, TLS on 127.0.0.1)\n');
    for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
    console.log(
      '\n  targets: delivery p99 < 20 ms at 100 messages/s; encrypted upload >= 0.5 x the bare HTTPS upload\n',
    );
  } finally {
    child.send({ cmd: 'stop' });
    await new Promise((resolve) => {
      child.once('exit', resolve);
      setTimeout(resolve, 5_000);
    });
    child.kill();
    clearTimeout(watchdog);
  }
}

if (process.argv[2] === 'server') {
  void runServer();
} else if (process.argv[2] === 'receiver') {
  void runReceiver();
} else {
  runBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
