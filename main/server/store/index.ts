/**
 * The store's public surface. Everything outside main/server/store imports from here: repository interfaces,
 * plain record types, key sources and `openStore`. No SQL and no driver type crosses this line.
 */
export { openStore, type OpenStoreOptions } from './sqliteStore';
export { openPostgresStore, type OpenPostgresStoreOptions } from './postgres/postgresStore';
export { DATABASE_FILE, describeStore, openConfiguredStore, storeConfigSchema, type StoreConfig } from './storeConfig';
export type * from './types';
export type * from './webhookTypes';
export type * from './inputTypes';
export type * from './releaseTypes';
export type { JsonObject, JsonValue } from './json';
export { StoreError, type StoreErrorCode } from './errors';
export { isDatabaseUnavailable as isStoreUnavailable } from './postgres/pgUnavailable';
export { newId } from './ids';
export {
  dataKey,
  dataKeySet,
  generateDataKey,
  withCurrentKey,
  withoutKeys,
  DataKeyError,
  type DataKey,
  type DataKeySet,
} from './keyMaterial';
export {
  DATA_KEYS_ENV,
  KEY_FILE_NAME,
  chooseDataKeySource,
  environmentKeySource,
  keyFileSource,
  loadOrCreateDataKeys,
  secretStoreKeySource,
  type DataKeySource,
  type SecretStore,
} from './dataKeys';
export { rotateDataKey, type RotateDataKeyResult } from './rotateDataKey';
export { DEFAULT_EVENT_RETENTION_MS, MIN_EVENT_RETENTION_MS } from './eventsQueries';
