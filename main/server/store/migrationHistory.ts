import { StoreError } from './errors';

/** A step as a database records it. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

/**
 * Checks what a database says it applied against this build's list, in either dialect: a step this build does not
 * know means a newer schema (refused: an older build must not run against a schema it does not understand), and
 * a step under another name means another history. Returns the versions already applied.
 */
export function checkMigrationHistory(
  applied: readonly AppliedMigration[],
  known: readonly AppliedMigration[],
): Set<number> {
  known.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new StoreError('invalid_argument', `migration ${migration.name} must be number ${index + 1}`);
    }
  });
  const newest = Math.max(0, ...applied.map((row) => row.version));
  for (const row of applied) {
    if (row.version > known.length) {
      throw new StoreError(
        'schema_too_new',
        `the database is at schema version ${newest} but this build knows only up to ${known.length}; ` +
          'run a newer whoot, or restore a backup taken before the upgrade',
      );
    }
    const expected = known[row.version - 1];
    if (expected?.name !== row.name) {
      throw new StoreError(
        'schema_mismatch',
        `schema version ${row.version} in the database is "${row.name}", this build calls it "${expected?.name}"`,
      );
    }
  }
  return new Set(applied.map((row) => row.version));
}
