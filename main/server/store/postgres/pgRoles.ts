import type pg from 'pg';
import { StoreError } from '../errors';
import { APP_ROLE, MAINTENANCE_ROLE } from './pgMigrations';
import { sqlOver } from './pgSql';

interface RoleFacts {
  user: string;
  superuser: boolean;
  bypass_rls: boolean;
  in_app: boolean;
  in_maintenance: boolean;
  owns_tables: boolean;
}

const FACTS = `SELECT r.rolname AS user, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
    pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') AS in_app,
    pg_has_role(current_user, '${MAINTENANCE_ROLE}', 'MEMBER') AS in_maintenance,
    EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'MEMBER')) AS owns_tables
  FROM pg_roles r WHERE r.rolname = current_user`;

async function facts(client: pg.ClientBase): Promise<RoleFacts> {
  const row = await sqlOver(client).row<RoleFacts>(FACTS);
  if (row === undefined) throw new StoreError('unsafe_database_role', 'the connected role is not in pg_roles');
  return row;
}

function refuse(what: string, user: string, why: string): never {
  throw new StoreError('unsafe_database_role', `store.${what} connects as ${user}, which ${why}`);
}

/**
 * Row-level security protects nothing from a role that owns the tables, is a superuser, has BYPASSRLS or may act as
 * the maintenance role. The store refuses to open on such an application role instead of running unprotected.
 */
export async function requireSafeRoles(pools: { readonly app: pg.Pool; readonly maintenance: pg.Pool }): Promise<void> {
  const app = await withClient(pools.app, facts);
  if (app.superuser || app.bypass_rls) refuse('url', app.user, 'bypasses row-level security (superuser or BYPASSRLS)');
  if (app.owns_tables) refuse('url', app.user, 'owns tables (use the owner only as store.ownerUrl, for migrations)');
  if (app.in_maintenance)
    refuse('url', app.user, `is a member of ${MAINTENANCE_ROLE}, whose policies see every workspace`);
  if (!app.in_app) refuse('url', app.user, `is not a member of ${APP_ROLE}, the role the grants name`);
  const maintenance = await withClient(pools.maintenance, facts);
  if (maintenance.superuser || maintenance.bypass_rls) {
    refuse('maintenanceUrl', maintenance.user, 'bypasses row-level security (superuser or BYPASSRLS)');
  }
  if (!maintenance.in_maintenance) {
    refuse('maintenanceUrl', maintenance.user, `is not a member of ${MAINTENANCE_ROLE}, the role the grants name`);
  }
}

export async function withClient<T>(pool: pg.Pool, use: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await use(client);
  } finally {
    client.release();
  }
}
