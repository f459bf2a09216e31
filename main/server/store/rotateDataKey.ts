import type { DataKeySource } from './dataKeys';
import { DataKeyError, generateDataKey, withCurrentKey, withoutKeys, type DataKey } from './keyMaterial';
import type { RotationReport, Store } from './types';

export interface RotateDataKeyResult {
  readonly report: RotationReport;
  /** Keys no stored value uses any more: removed from the source when it is writable and `retire` is on. */
  readonly retiredKeyIds: readonly string[];
  /** Keys still in the source after the rotation, current first. */
  readonly keyIds: readonly string[];
}

/**
 * The `rotate-key` operation. With a writable source (key file, keychain): a new key is generated and saved to the
 * source as current BEFORE any value is sealed with it, so a crash mid-rotation can never leave values under a key
 * that exists nowhere; then every value is re-sealed in batches; then the keys nothing uses any more are removed
 * from the source. With a read-only source (environment variable) the operator puts the new key first in the
 * variable and restarts; this then re-seals everything under it and says which old keys can be dropped.
 */
export async function rotateDataKey(
  store: Store,
  source: DataKeySource,
  options: { readonly retire?: boolean; readonly batchSize?: number; readonly newKey?: DataKey } = {},
): Promise<RotateDataKeyResult> {
  const keys = await source.load();
  if (keys === null) throw new DataKeyError(`${source.description} holds no data key`);
  const save = source.save?.bind(source);
  let next = keys;
  let newKey: DataKey | undefined;
  if (save !== undefined) {
    newKey = options.newKey ?? generateDataKey();
    next = withCurrentKey(keys, newKey);
    await save(next);
  } else if (keys.current.id !== store.dataKeys.currentKeyId()) {
    throw new DataKeyError(
      `${source.description} names ${keys.current.id} current, but the store was opened with another key; restart first`,
    );
  }
  const report = await store.dataKeys.rotate(newKey, { batchSize: options.batchSize });
  const inUse = new Set((await store.dataKeys.usage()).map((usage) => usage.keyId));
  const unused = next.previous.map((key) => key.id).filter((id) => !inUse.has(id));
  if (save !== undefined && options.retire !== false && unused.length > 0) {
    next = withoutKeys(next, unused);
    await save(next);
  }
  return { report, retiredKeyIds: unused, keyIds: [next.current, ...next.previous].map((key) => key.id) };
}
