import type pg from 'pg';
import { StoreError } from '../errors';
import { checkMigrationHistory, type AppliedMigration } from '../migrationHistory';
import { APP_ROLE, LOCK_SPACE, LOCKS, MAINTENANCE_ROLE, type PgMigration } from './pgMigrations';
import { sqlOver, sqlState } from './pgSql';

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at bigint NOT NULL
)`;

/**
 * Brings the schema up to date as the owner role. Several nodes may start at once against one database: a session
 * advisory lock makes them take turns, so each step runs once and the others find it applied. Each step is its
 * own transaction (PostgreSQL's DDL is transactional), so a failed step leaves nothing half-done.
 */
export async function migratePostgres(owner: pg.Pool, migrations: readonly PgMigration[]): Promise<void> {
  const client = await owner.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, LOCKS.migrations]);
    try {
      await requireRoles(client);
      await client.query(HISTORY_TABLE);
      await client.query(`GRANT SELECT ON schema_migrations TO ${APP_ROLE}, ${MAINTENANCE_ROLE}`);
      const done = checkMigrationHistory(await appliedSteps(client), migrations);
      for (const migration of migrations.filter((step) => !done.has(step.version))) {
        try {
          await client.query('BEGIN');
          await client.query(migration.up);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new StoreError(
            'migration_failed',
            `migration ${migration.version} (${migration.name}) failed and was rolled back`,
            { cause: error },
          );
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, LOCKS.migrations]);
    }
  } finally {
    client.release();
  }
}

/**
 * What a node without the owner's credentials checks: the schema is exactly this build's. Newer is refused as
 * SQLite refuses it; older means someone must run the migrations (as the owner) first.
 */
export async function requireCurrentSchema(client: pg.ClientBase, migrations: readonly PgMigration[]): Promise<void> {
  let applied: AppliedMigration[];
  try {
    applied = await appliedSteps(client);
  } catch (error) {
    if (sqlState(error) !== '42P01') throw error;
    applied = [];
  }
  const done = checkMigrationHistory(applied, migrations);
  if (done.size < migrations.length) {
    throw new StoreError(
      'schema_outdated',
      `the database has ${done.size} of this build's ${migrations.length} schema steps: ` +
        'start one node with store.ownerUrl (the role that owns the tables) to migrate it',
    );
  }
}

async function appliedSteps(client: pg.ClientBase): Promise<AppliedMigration[]> {
  return sqlOver(client).rows<AppliedMigration>('SELECT version, name FROM schema_migrations ORDER BY version');
}

async function requireRoles(client: pg.ClientBase): Promise<void> {
  const found = await sqlOver(client).rows<{ rolname: string }>(
    'SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])',
    [[APP_ROLE, MAINTENANCE_ROLE]],
  );
  const missing = [APP_ROLE, MAINTENANCE_ROLE].filter((role) => !found.some((row) => row.rolname === role));
  if (missing.length > 0) {
    throw new StoreError(
      'migration_failed',
      `the database has no role ${missing.join(' or ')}: create the roles first (docs/server.md, "PostgreSQL")`,
    );
  }
}
