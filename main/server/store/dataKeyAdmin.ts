import { StoreError } from './errors';
import type { KeyRing } from './fieldCipher';
import { DEFAULT_ROTATION_BATCH } from './keyRotation';
import type { DataKeyAdmin, KeyUsage, RotationReport } from './types';

/** Refuses to open a store whose values use a key id the ring lacks, naming the id, rather than fail at a sign-in. */
export function requireKnownKeys(usage: readonly KeyUsage[], ring: KeyRing): void {
  const missing = [...new Set(usage.map((entry) => entry.keyId))].filter((keyId) => !ring.keyIds.includes(keyId));
  if (missing.length > 0) {
    throw new StoreError(
      'missing_data_key',
      `the database holds values sealed with data key(s) ${missing.join(', ')}, which the key source does not provide`,
    );
  }
}

/**
 * `store.dataKeys` for either backend: the ring the store seals with, its usage report, and rotation (sealed columns
 * first, then file contents), one rotation at a time per store.
 */
export function createDataKeyAdmin(backend: {
  readonly ring: { get(): KeyRing; set(ring: KeyRing): void };
  usage(): Promise<KeyUsage[]>;
  reencryptColumns(ring: KeyRing, batchSize?: number): Promise<RotationReport>;
  reencryptBlobs(ring: KeyRing, batchSize: number): Promise<number>;
}): DataKeyAdmin {
  let rotating = false;
  return {
    currentKeyId: () => backend.ring.get().currentKeyId,
    usage: () => backend.usage(),
    async rotate(newKey, options = {}) {
      if (rotating) throw new StoreError('invalid_argument', 'a data key rotation is already running');
      rotating = true;
      try {
        // The new key becomes current before the first batch, so rows written meanwhile need no second pass.
        if (newKey !== undefined) backend.ring.set(backend.ring.get().withCurrent(newKey));
        const ring = backend.ring.get();
        const report = await backend.reencryptColumns(ring, options.batchSize);
        const blobs = await backend.reencryptBlobs(ring, options.batchSize ?? DEFAULT_ROTATION_BATCH);
        return {
          ...report,
          columns: [...report.columns, { table: 'files', column: 'blob', reencrypted: blobs }],
          reencrypted: report.reencrypted + blobs,
        };
      } finally {
        rotating = false;
      }
    },
  };
}
