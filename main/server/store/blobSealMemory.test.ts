import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * native/blob-seal under AddressSanitizer: the addon's C built again with -fsanitize=address and driven in a child
 * Node through its whole life and its failures, so a use after free, an overflow or a double free in it fails the
 * suite rather than a user's upload. The README's build tools (gcc and its libasan) and the Node headers node-gyp
 * built the addon with are all it needs.
 */
const source = join(import.meta.dirname, '../../../native/blob-seal/src/blob_seal.c');
const dir = mkdtempSync(join(tmpdir(), 'whoot-blob-seal-asan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nodeHeaders(): string {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'),
    join(dirname(process.execPath), '../include/node'),
    join(homedir(), '.cache/node-gyp', process.versions.node, 'include/node'),
  ].filter((candidate): candidate is string => typeof candidate === 'string');
  const found = candidates.find((candidate) => existsSync(join(candidate, 'node_api.h')));
  if (found === undefined) throw new Error(`no Node headers for the ASan build in ${candidates.join(', ')}`);
  return found;
}

// Every scenario checks its own outcome and throws if it differs; the child prints DONE only if all held.
const scenarios = (addon: string) => `
const seal = require(${JSON.stringify(addon)});
const { openSync, closeSync } = require('node:fs');
const { randomBytes, createHash } = require('node:crypto');
if (!seal.supported) throw new Error('not supported: ' + seal.loadError);
const CHUNK = 65536;
const header = Buffer.concat([Buffer.from('WHOOTBL1'), Buffer.from([3]), Buffer.from('k01'), randomBytes(16),
  Buffer.from([0, 1, 0, 0])]);
function open(path, onError) {
  const state = { out: 0, bytes: 0, errors: 0, wake: undefined };
  const fd = openSync(path, 'w');
  const sealer = seal.open(fd, randomBytes(32), header, (batches, bytes, error) => {
    state.out -= batches; state.bytes += bytes; if (error) state.errors += 1; state.wake?.();
  });
  return { fd, sealer, state };
}
const back = async (state) => { while (state.out > 0) await new Promise((r) => (state.wake = r)); };
async function whole(size, piece) {
  const { fd, sealer, state } = open(${JSON.stringify(join(dir, 'blob'))});
  const data = randomBytes(size);
  let at = 0;
  while (data.length - at > CHUNK) {
    const chunks = [];
    for (let i = 0; i < 8 && data.length - at > CHUNK; i += 1, at += CHUNK) {
      const chunk = [];
      for (let o = 0; o < CHUNK; o += piece) chunk.push(Buffer.from(data.subarray(at + o, at + Math.min(o + piece, CHUNK))));
      chunks.push(chunk);
    }
    sealer.push(chunks, false); state.out += 1;
  }
  sealer.push([[Buffer.from(data.subarray(at))]], true); state.out += 1;
  await back(state);
  const digest = await new Promise((resolve, reject) => sealer.finish((e, sha) => (e ? reject(e) : resolve(sha))));
  if (digest.toString('hex') !== createHash('sha256').update(data).digest('hex')) throw new Error('digest');
  sealer.close(); closeSync(fd);
}
(async () => {
  for (let i = 0; i < 6; i += 1) { await whole(5 * 1024 * 1024 + i * 777, 16384); gc(); }
  // A disk that refuses every write: one failure reported, every batch still handed back, no finish.
  for (let i = 0; i < 4; i += 1) {
    const { fd, sealer, state } = open('/dev/full');
    for (let b = 0; b < 20; b += 1) { sealer.push([[randomBytes(CHUNK)], [randomBytes(CHUNK)]], false); state.out += 1; }
    sealer.push([[randomBytes(5)]], true); state.out += 1;
    await back(state);
    let refused = false; try { sealer.finish(() => undefined); } catch { refused = true; }
    sealer.close(); closeSync(fd);
    if (state.errors !== 1 || state.bytes !== 20 * 2 * CHUNK + 5 || !refused) throw new Error('error path');
    gc();
  }
  // Refused input, then sealers dropped unclosed, some with batches handed back and not yet closed: the collector
  // frees them all.
  for (let i = 0; i < 40; i += 1) {
    const { fd, sealer, state } = open(${JSON.stringify(join(dir, 'dropped'))});
    try { sealer.push([[randomBytes(CHUNK - 1)]], false); } catch {}
    if (i % 2 === 0) { sealer.push([[randomBytes(100)]], true); state.out += 1; await back(state); }
    closeSync(fd);
  }
  gc(); await new Promise((r) => setTimeout(r, 50)); gc();
  console.log('DONE');
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe('native/blob-seal under AddressSanitizer', () => {
  it('seals, fails and is dropped without a memory error', async () => {
    const addon = join(dir, 'blob_seal_asan.node');
    execFileSync('gcc', [
      ...['-shared', '-fPIC', '-g', '-O1', '-fsanitize=address', '-fno-omit-frame-pointer'],
      ...['-Wall', '-Wextra', '-Werror', `-I${nodeHeaders()}`, '-o', addon, source],
    ]);
    const libasan = execFileSync('gcc', ['-print-file-name=libasan.so']).toString().trim();
    const child = spawn(process.execPath, ['--expose-gc', '-e', scenarios(addon)], {
      // Leak checking would report Node's own allocations at exit; what is checked is every access the addon makes.
      env: { ...process.env, LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:exitcode=86' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).not.toContain('AddressSanitizer');
    expect({ code, stdout: stdout.trim() }).toEqual({ code: 0, stdout: 'DONE' });
  }, 120_000);
});
