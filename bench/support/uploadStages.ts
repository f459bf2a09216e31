import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sniffContentType } from '../../shared/chat';
import { UploadInspector } from '../../main/server/files/uploadInspector';
import { createBlobEncryptor, newBlobSealingKey } from '../../main/server/store/blobCipher';
import { sealIntoFile, type BlobSealing } from '../../main/server/store/blobFileSealer';
import { createKeyRing } from '../../main/server/store/fieldCipher';
import { dataKeySet, generateDataKey } from '../../main/server/store/keyMaterial';
import { PlaintextDigest } from '../../main/server/store/plaintextDigest';
import { SyncedFileWriter } from '../../main/server/store/syncedFileWriter';
import { percentile } from './statistics';

/** A bench's file to upload: random bytes behind a PDF header (a type the server accepts), and its manifest. */
export function benchUploadFile(bytes: number, name: string) {
  const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(bytes - 9)]);
  const manifest = {
    name,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentType: sniffContentType(content.subarray(0, 4096)),
  };
  return { content, manifest };
}

/** What one stage (or all of them) cost for one file: CPU of the whole process (every thread) and wall time. */
export interface StageCost {
  readonly cpuMs: number;
  readonly wallMs: number;
}

export type UploadStage = 'reads' | 'check' | 'encrypt' | 'write' | 'node' | 'native';

/** Node's TLS hands a request's body over in reads of at most one record: 16 KiB, each a fresh buffer. */
const READ_BYTES = 16 * 1024;

/**
 * The server's work on an upload's bytes, stage by stage, in this process and without a socket: the manifest check
 * with the SHA-256 (`UploadInspector` and `PlaintextDigest`), the blob encryption (`createBlobEncryptor`), the
 * durable write (`SyncedFileWriter`, fsync included), and all of it as the store does it (`sealIntoFile`), both ways:
 * on the JS thread with node:crypto, and on a pool thread with native/blob-seal. The bytes arrive as fresh 16 KiB
 * buffers, as from TLS; `reads` is those alone, the baseline every stage includes. Every stage runs once to warm up,
 * then `runs` rounds of each in turn; medians are returned. CPU is the whole process's (every thread). Beside the
 * bare HTTPS upload's CPU this says what the encrypted upload adds and where.
 */
export async function measureUploadStages(
  bytes: number,
  runs: number,
  directory: string,
): Promise<Record<UploadStage, StageCost>> {
  const { content, manifest } = benchUploadFile(bytes, 'stages.pdf');
  // A data key of its own: the stages need a key, not the server's.
  const ring = createKeyRing(dataKeySet(generateDataKey()));
  const dir = mkdtempSync(join(directory, 'whoot-upload-stages-'));
  const reads = () =>
    Readable.from(
      (function* () {
        for (let offset = 0; offset < content.length; offset += READ_BYTES) {
          yield Buffer.from(content.subarray(offset, offset + READ_BYTES));
        }
      })(),
    );
  const discard = () =>
    new Writable({
      highWaterMark: 1024 * 1024,
      writev: (_chunks, done) => done(),
    });
  const path = join(dir, 'blob.part');
  const file = async () => new SyncedFileWriter(await open(path, 'w', 0o600));
  const seal = async (how: BlobSealing) => {
    const written = await sealIntoFile(
      reads().pipe(new UploadInspector(manifest)),
      await open(path, 'w', 0o600),
      newBlobSealingKey(ring, 'stages'),
      how,
    );
    if (written.sha256 !== manifest.sha256) throw new Error('the stages sealed something else');
  };
  const stages: Record<UploadStage, () => Promise<void>> = {
    // The fresh buffers alone, streamed into nothing: the baseline every other stage includes.
    reads: () => pipeline(reads(), discard()),
    check: () => pipeline(reads(), new UploadInspector(manifest), new PlaintextDigest(), discard()),
    encrypt: () => pipeline(reads(), createBlobEncryptor(ring, 'stages'), discard()),
    write: async () => pipeline(reads(), await file()),
    node: () => seal('node'),
    native: () => seal('native'),
  };
  try {
    const entries = Object.entries(stages) as [UploadStage, () => Promise<void>][];
    const cpu = new Map<UploadStage, number[]>(entries.map(([stage]) => [stage, []]));
    const wall = new Map<UploadStage, number[]>(entries.map(([stage]) => [stage, []]));
    // Round by round, every stage once: a collection left over from the stage before falls on each stage alike.
    for (let round = 0; round <= runs; round += 1) {
      for (const [stage, run] of entries) {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await run();
        const used = process.cpuUsage(cpuBefore);
        if (round === 0) continue;
        wall.get(stage)?.push(performance.now() - started);
        cpu.get(stage)?.push((used.user + used.system) / 1000);
      }
    }
    const result = {} as Record<UploadStage, StageCost>;
    for (const [stage] of entries) {
      result[stage] = { cpuMs: percentile(cpu.get(stage) ?? [], 50), wallMs: percentile(wall.get(stage) ?? [], 50) };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
