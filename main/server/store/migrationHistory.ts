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
  // Versions only ascend. Gaps are allowed: branches built in parallel reserve their numbers (docs in migrations.ts),
  // and a database step this build lacks is refused below all the same, as newer or as another history.
  known.forEach((migration, index) => {
    const previous = index === 0 ? 0 : (known[index - 1]?.version ?? 0);
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new StoreError('invalid_argument', `migration ${migration.name} must be numbered above ${previous}`);
    }
  });
  const newestKnown = known.at(-1)?.version ?? 0;
  const newest = Math.max(0, ...applied.map((row) => row.version));
  for (const row of applied) {
    if (row.version > newestKnown) {
      throw new StoreError(
        'schema_too_new',
        `the database is at schema version ${newest} but this build knows only up to ${newestKnown}; ` +
          'run a newer whoot, or restore a backup taken before the upgrade',
      );
    }
    const expected = known.find((migration) => migration.version === row.version);
    if (expected?.name !== row.name) {
      throw new StoreError(
        'schema_mismatch',
        expected === undefined
          ? `schema version ${row.version} in the database is "${row.name}", a step this build does not know`
          : `schema version ${row.version} in the database is "${row.name}", this build calls it "${expected.name}"`,
      );
    }
  }
  return new Set(applied.map((row) => row.version));
}
