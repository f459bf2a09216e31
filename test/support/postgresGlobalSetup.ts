import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../../main/server/store/postgres/pgMigrate';
import { PG_MIGRATIONS } from '../../main/server/store/postgres/pgMigrations';
import { createPool } from '../../main/server/store/postgres/pgPools';
import type { TestPostgres } from '../../main/server/store/storeTestKit';
import { startPostgres, WHOOT_ROLES } from './postgres';

const TEMPLATE = 'whoot_template';

/**
 * Once per test run: one PostgreSQL server for every store test on the PostgreSQL backend, its three whoot roles,
 * and a template database migrated to this build's schema that each test kit copies (CREATE DATABASE ... TEMPLATE
 * takes a fraction of the time migrating does). Stopped when the run ends; a watchdog stops it if the run is killed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres({ tag: 'vitest' });
  try {
    await server.createWhootRoles();
    await server.createDatabase(TEMPLATE);
    const owner = createPool(server.url('whoot_owner', TEMPLATE), 1, 'owner');
    try {
      await migratePostgres(owner, PG_MIGRATIONS);
    } finally {
      await owner.end();
    }
    const passwords = Object.fromEntries(
      WHOOT_ROLES.map((role) => [role, new URL(server.url(role, TEMPLATE)).password]),
    ) as TestPostgres['passwords'];
    project.provide('whootPostgres', {
      port: server.port,
      socketDir: server.socketDir,
      superuser: server.superuser,
      dataDir: server.dataDir,
      passwords,
      template: TEMPLATE,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}
