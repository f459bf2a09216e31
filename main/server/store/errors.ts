/**
 * Reasons the store refuses to go on. Conflicts a caller expects (an email already taken, an expired invite) come
 * back as values instead; a StoreError means the data, the key ring or the schema is not what this build expects,
 * and the message names tables, columns, row ids and key ids but never a key or a decrypted value.
 */
export type StoreErrorCode =
  | 'schema_too_new'
  | 'schema_mismatch'
  /** PostgreSQL: the schema is older than this build and this node holds no owner credentials to migrate it. */
  | 'schema_outdated'
  /** PostgreSQL: a configured role could bypass row-level security, or is not the role it is named for. */
  | 'unsafe_database_role'
  | 'migration_failed'
  | 'missing_data_key'
  | 'field_undecryptable'
  | 'unknown_workspace'
  | 'unknown_reference'
  | 'invalid_argument';

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
