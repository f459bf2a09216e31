/**
 * The PostgreSQL schema: the same numbered, named steps as ../migrations.ts (a test holds the two lists equal),
 * in PostgreSQL's own types (boolean, bigint, bytea), plus what the database enforces here and SQLite cannot:
 *
 * - Every tenant table (one with a workspace_id; the workspaces table by its id) has row-level security, FORCEd so
 *   that even its owner is subject to it, with two policies: `whoot_app` sees and writes only the rows of the
 *   workspace named by the transaction's `whoot.workspace_id` setting (none when it is unset), and
 *   `whoot_maintenance` sees all, for the few cross-workspace operations that use it (README.md).
 * - The roles own nothing: the tables belong to the role that runs these migrations. Grants give each role only
 *   the statements it needs; the audit log is INSERT and SELECT only, and triggers refuse any change to it.
 *
 * Released steps are never edited; a change is a new step at the end, in both lists.
 */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

export const APP_ROLE = 'whoot_app';
export const MAINTENANCE_ROLE = 'whoot_maintenance';

/** The workspace of the current transaction, or NULL: what every tenant policy compares with. */
const WORKSPACE_FUNCTION = `
  CREATE FUNCTION whoot_workspace() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('whoot.workspace_id', true), '') $$;`;

/**
 * Row-level security for one tenant table. `maintenance` lists what the maintenance role may do there (its policy
 * admits every row, so its grants are kept to what its named operations use).
 */
function tenantTable(
  table: string,
  options: { readonly key?: string; readonly app?: string; readonly maintenance?: string } = {},
): string {
  const key = options.key ?? 'workspace_id';
  const app = options.app ?? 'SELECT, INSERT, UPDATE, DELETE';
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY ${table}_in_workspace ON ${table} TO ${APP_ROLE}
      USING (${key} = whoot_workspace()) WITH CHECK (${key} = whoot_workspace());
    CREATE POLICY ${table}_maintenance ON ${table} TO ${MAINTENANCE_ROLE} USING (true) WITH CHECK (true);
    GRANT ${app} ON ${table} TO ${APP_ROLE};
    ${options.maintenance ? `GRANT ${options.maintenance} ON ${table} TO ${MAINTENANCE_ROLE};` : ''}`;
}

/** Advisory lock keys (first half 'whoo'): migrations, the audit chain's head, the revocation feed, first owner. */
export const LOCK_SPACE = 0x77686f6f;
export const LOCKS = { migrations: 1, auditHead: 2, revocationFeed: 3, firstUser: 4, releaseSerial: 5 } as const;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'accounts and sessions',
    up: `
      ${WORKSPACE_FUNCTION}
      REVOKE ALL ON SCHEMA public FROM PUBLIC;
      GRANT USAGE ON SCHEMA public TO ${APP_ROLE}, ${MAINTENANCE_ROLE};

      CREATE TABLE users (
        id text PRIMARY KEY,
        email text NOT NULL,
        email_key text NOT NULL UNIQUE,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        server_owner boolean NOT NULL,
        totp_seed text,
        created_at bigint NOT NULL
      );

      CREATE TABLE recovery_codes (
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        created_at bigint NOT NULL,
        used_at bigint,
        PRIMARY KEY (user_id, code_hash)
      );

      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id text NOT NULL,
        secret text NOT NULL,
        refresh_token_hash text UNIQUE,
        created_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        idle_expires_at bigint NOT NULL,
        absolute_expires_at bigint NOT NULL,
        revoked_at bigint,
        revoked_reason text
      );
      CREATE INDEX sessions_by_user ON sessions (user_id);
      CREATE INDEX sessions_by_family ON sessions (family_id);

      CREATE TABLE used_refresh_tokens (
        token_hash text PRIMARY KEY,
        family_id text NOT NULL,
        used_at bigint NOT NULL
      );
      CREATE INDEX used_refresh_tokens_by_family ON used_refresh_tokens (family_id);

      -- Server-wide tables: accounts belong to no workspace, so no row policy; the application role uses them.
      GRANT SELECT, INSERT, UPDATE, DELETE ON users, recovery_codes, sessions, used_refresh_tokens TO ${APP_ROLE};
      -- Key rotation re-seals these columns and nothing else of them.
      GRANT SELECT (id, totp_seed), UPDATE (totp_seed) ON users TO ${MAINTENANCE_ROLE};
      GRANT SELECT (id, secret), UPDATE (secret) ON sessions TO ${MAINTENANCE_ROLE};
    `,
  },
  {
    version: 2,
    name: 'workspaces, members, channels, invites and events',
    up: `
      CREATE TABLE workspaces (
        id text PRIMARY KEY,
        slug text NOT NULL UNIQUE,
        name text NOT NULL,
        created_at bigint NOT NULL,
        last_event_seq bigint NOT NULL DEFAULT 0
      );
      ${tenantTable('workspaces', { key: 'id', app: 'SELECT, INSERT, UPDATE', maintenance: 'SELECT' })}

      CREATE TABLE memberships (
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        joined_at bigint NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      );
      CREATE INDEX memberships_by_user ON memberships (user_id);
      ${tenantTable('memberships', { maintenance: 'SELECT' })}

      CREATE TABLE channels (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('voice', 'text')),
        relay_only boolean NOT NULL DEFAULT true,
        created_at bigint NOT NULL
      );
      CREATE INDEX channels_by_workspace ON channels (workspace_id, created_at);
      ${tenantTable('channels')}

      CREATE TABLE invites (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        code_hash text NOT NULL UNIQUE,
        created_by text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('admin', 'member')),
        max_uses integer NOT NULL CHECK (max_uses > 0),
        uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
        expires_at bigint NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
      CREATE INDEX invites_by_workspace ON invites (workspace_id, created_at);
      -- Redemption by code: the maintenance role learns which workspace a code hash belongs to, nothing more.
      ${tenantTable('invites', { maintenance: 'SELECT (code_hash, workspace_id)' })}

      CREATE TABLE workspace_events (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        type text NOT NULL,
        payload text NOT NULL,
        created_at bigint NOT NULL,
        UNIQUE (workspace_id, seq)
      );
      CREATE INDEX workspace_events_by_age ON workspace_events (created_at);
      ${tenantTable('workspace_events', { app: 'SELECT, INSERT', maintenance: 'SELECT, DELETE, UPDATE (payload)' })}
    `,
  },
  {
    version: 3,
    name: 'audit log and server secrets',
    up: `
      -- No foreign keys: the record of what happened outlives the users and workspaces it mentions.
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY,
        at bigint NOT NULL,
        type text NOT NULL,
        actor_user_id text,
        workspace_id text,
        details text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, seq);
      -- Appends go through the maintenance role (one chain across workspaces, its head locked); the application
      -- role reads its workspace's entries. No role is granted UPDATE or DELETE, and these triggers refuse them
      -- even to the owner.
      ${tenantTable('audit_log', { app: 'SELECT', maintenance: 'SELECT, INSERT' })}
      CREATE FUNCTION whoot_audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION whoot_audit_log_is_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION whoot_audit_log_is_append_only();

      CREATE TABLE server_secrets (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at bigint NOT NULL
      );
      GRANT SELECT, INSERT ON server_secrets TO ${APP_ROLE};
      GRANT SELECT, UPDATE (value) ON server_secrets TO ${MAINTENANCE_ROLE};
    `,
  },
  {
    version: 4,
    name: 'signed-request nonces and TOTP replay guard',
    up: `
      CREATE TABLE request_nonces (
        session_id text NOT NULL,
        nonce text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (session_id, nonce)
      );
      CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
      GRANT SELECT, INSERT, UPDATE, DELETE ON request_nonces TO ${APP_ROLE};

      ALTER TABLE users ADD COLUMN totp_last_step bigint;
    `,
  },
  {
    version: 5,
    name: 'session revocation feed',
    up: `
      -- Written by a trigger in the revoking statement, as in SQLite. seq is max + 1 under a transaction lock
      -- rather than a sequence: a sequence hands out numbers in start order but transactions commit in any order,
      -- and a relay that polled seq > 6 before 5 committed would never see 5. Under the lock, the feed's order is
      -- its commit order.
      CREATE TABLE session_revocations (
        seq bigint PRIMARY KEY,
        session_id text NOT NULL,
        family_id text NOT NULL,
        at bigint NOT NULL
      );
      CREATE INDEX session_revocations_by_time ON session_revocations (at);
      GRANT SELECT, INSERT, DELETE ON session_revocations TO ${APP_ROLE};
      CREATE FUNCTION whoot_feed_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCKS.revocationFeed});
          INSERT INTO session_revocations (seq, session_id, family_id, at)
            SELECT coalesce(max(seq), 0) + 1, NEW.id, NEW.family_id, NEW.revoked_at FROM session_revocations;
          RETURN NULL;
        END $$;
      CREATE TRIGGER sessions_revocation_feed AFTER UPDATE OF revoked_at ON sessions FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL AND NEW.revoked_reason IS DISTINCT FROM 'rotated')
        EXECUTE FUNCTION whoot_feed_revocation();
    `,
  },
  {
    version: 6,
    name: 'voice server mutes',
    up: `
      CREATE TABLE voice_mutes (
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        muted_by text NOT NULL,
        muted_at bigint NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      );
      CREATE INDEX voice_mutes_by_user ON voice_mutes (user_id);
      -- The relay's enforcement index loads every workspace's mutes at start (store.voiceMutes.all()).
      ${tenantTable('voice_mutes', { maintenance: 'SELECT' })}
    `,
  },
  {
    version: 7,
    name: 'channel timelines, read markers, files',
    up: `
      ALTER TABLE channels ADD COLUMN last_message_position bigint NOT NULL DEFAULT 0;

      CREATE TABLE messages (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        channel_id text NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        position bigint NOT NULL,
        author_kind text NOT NULL CHECK (author_kind IN ('member', 'input')),
        author_id text NOT NULL,
        author_name text,
        reply_to text,
        body text,
        created_at bigint NOT NULL,
        edited_at bigint,
        deleted_at bigint,
        deleted_by text,
        UNIQUE (channel_id, position),
        CHECK ((author_kind = 'input') = (author_name IS NOT NULL)),
        CHECK ((deleted_at IS NULL) = (body IS NOT NULL))
      );
      CREATE INDEX messages_by_channel ON messages (workspace_id, channel_id, position);
      ${tenantTable('messages', { maintenance: 'SELECT (id, body), UPDATE (body)' })}

      CREATE TABLE message_mentions (
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        message_id text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        channel_id text NOT NULL,
        position bigint NOT NULL,
        user_id text NOT NULL,
        PRIMARY KEY (message_id, user_id)
      );
      CREATE INDEX message_mentions_by_user ON message_mentions (workspace_id, user_id, channel_id, position);
      ${tenantTable('message_mentions')}

      CREATE TABLE read_markers (
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        channel_id text NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        position bigint NOT NULL,
        message_id text NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (workspace_id, user_id, channel_id)
      );
      ${tenantTable('read_markers')}

      CREATE TABLE files (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        channel_id text NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        uploader_id text NOT NULL,
        message_id text REFERENCES messages (id) ON DELETE CASCADE,
        name text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        key_id text NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX files_by_workspace ON files (workspace_id, created_at);
      CREATE INDEX files_by_message ON files (message_id);
      ${tenantTable('files', { maintenance: 'SELECT, DELETE, UPDATE (name, key_id)' })}

      -- File contents, here rather than on a disk every node would have to share: blobCipher.ts's encrypted
      -- stream cut into rows. A blob is named by its file and the data key it is sealed under, so a rotation
      -- writes the new one beside the old and switches files.key_id in one step; chunks that no files row names
      -- (an upload not committed, a blob replaced or left by a cascade) are removed by the sweep.
      CREATE TABLE file_chunks (
        file_id text NOT NULL,
        key_id text NOT NULL,
        seq integer NOT NULL CHECK (seq >= 0),
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        data bytea NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (file_id, key_id, seq)
      );
      -- Ciphertext does not compress: store it as it is, out of line.
      ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
      ${tenantTable('file_chunks', { maintenance: 'SELECT, INSERT, UPDATE, DELETE' })}

      -- Event payloads are sealed from this step on; TRUNCATE because a policy-bound DELETE would see no rows.
      TRUNCATE workspace_events;
    `,
  },
  {
    version: 8,
    name: 'outbound webhooks',
    up: `
      CREATE TABLE webhook_endpoints (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        url text NOT NULL,
        description text NOT NULL,
        enabled boolean NOT NULL,
        created_by text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints (workspace_id, created_at);
      ${tenantTable('webhook_endpoints', { maintenance: 'SELECT' })}

      CREATE TABLE webhook_subscriptions (
        workspace_id text NOT NULL,
        endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_type text NOT NULL,
        PRIMARY KEY (endpoint_id, event_type)
      );
      CREATE INDEX webhook_subscriptions_by_type ON webhook_subscriptions (workspace_id, event_type);
      ${tenantTable('webhook_subscriptions', { maintenance: 'SELECT' })}

      CREATE TABLE webhook_secrets (
        id text PRIMARY KEY,
        workspace_id text NOT NULL,
        endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        secret text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint
      );
      CREATE INDEX webhook_secrets_by_endpoint ON webhook_secrets (endpoint_id, created_at);
      ${tenantTable('webhook_secrets', { maintenance: 'SELECT, DELETE, UPDATE (secret)' })}

      -- The queue below is the dispatcher's, server-wide: the maintenance role runs fan-out, claims and results.
      CREATE TABLE webhook_cursors (
        workspace_id text PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        event_seq bigint NOT NULL,
        audit_seq bigint NOT NULL
      );
      ${tenantTable('webhook_cursors', { maintenance: 'SELECT, UPDATE' })}

      CREATE TABLE webhook_events (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        type text NOT NULL,
        data text NOT NULL,
        occurred_at bigint NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX webhook_events_by_age ON webhook_events (created_at);
      ${tenantTable('webhook_events', { maintenance: 'SELECT, INSERT, DELETE, UPDATE (data)' })}

      CREATE TABLE webhook_deliveries (
        endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
        workspace_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed')),
        attempts integer NOT NULL CHECK (attempts >= 0),
        extra_attempts integer NOT NULL CHECK (extra_attempts >= 0),
        next_attempt_at bigint,
        lease_until bigint,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (endpoint_id, event_id),
        CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
        CHECK ((status = 'in_flight') = (lease_until IS NOT NULL))
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (lease_until) WHERE status = 'in_flight';
      CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
      CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);
      ${tenantTable('webhook_deliveries', { maintenance: 'SELECT, INSERT, UPDATE, DELETE' })}

      CREATE TABLE webhook_attempts (
        endpoint_id text NOT NULL,
        event_id text NOT NULL,
        workspace_id text NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 1),
        started_at bigint NOT NULL,
        finished_at bigint,
        outcome text NOT NULL CHECK (outcome IN ('in_flight', 'succeeded', 'http_error', 'timeout', 'network_error',
          'refused_address', 'interrupted')),
        status_code integer,
        error text,
        PRIMARY KEY (endpoint_id, event_id, attempt),
        FOREIGN KEY (endpoint_id, event_id) REFERENCES webhook_deliveries (endpoint_id, event_id) ON DELETE CASCADE
      );
      ${tenantTable('webhook_attempts', { maintenance: 'SELECT, INSERT, UPDATE' })}
    `,
  },
  {
    version: 9,
    name: 'api tokens and inbound inputs',
    up: `
      CREATE TABLE api_tokens (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name text NOT NULL,
        secret_hash text NOT NULL,
        created_by text NOT NULL,
        created_at bigint NOT NULL,
        last_used_at bigint,
        revoked_at bigint
      );
      CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, created_at);
      -- The input route finds a token by its key id before anyone is authenticated (a capability, like a code).
      ${tenantTable('api_tokens', { maintenance: 'SELECT, UPDATE (last_used_at)' })}

      CREATE TABLE inputs (
        id text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        channel_id text NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        name text NOT NULL,
        enabled boolean NOT NULL,
        ephemeral boolean NOT NULL,
        require_token boolean NOT NULL,
        created_by text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX inputs_by_workspace ON inputs (workspace_id, created_at);
      ${tenantTable('inputs', { maintenance: 'SELECT' })}

      CREATE TABLE input_requests (
        id text PRIMARY KEY,
        workspace_id text NOT NULL,
        input_id text NOT NULL REFERENCES inputs (id) ON DELETE CASCADE,
        received_at bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('posted', 'disabled', 'token_refused', 'failed')),
        ephemeral boolean NOT NULL,
        content text,
        CHECK (NOT ephemeral OR content IS NULL)
      );
      CREATE INDEX input_requests_by_input ON input_requests (input_id, received_at);
      ${tenantTable('input_requests', { maintenance: 'SELECT (id, content), UPDATE (content)' })}
    `,
  },
  {
    version: 10,
    name: 'message nonces',
    up: `
      -- As in SQLite: the first post with a member's nonce is the only one (the app's retries repeat it).
      ALTER TABLE messages ADD COLUMN client_nonce text;
      CREATE UNIQUE INDEX messages_by_nonce ON messages (workspace_id, author_id, client_nonce)
        WHERE client_nonce IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'session device labels and addresses',
    up: `
      ALTER TABLE sessions ADD COLUMN device_label text;
      ALTER TABLE sessions ADD COLUMN last_address text;
    `,
  },
  {
    version: 12,
    name: 'single sign-on',
    up: `
      CREATE TABLE workspace_sso (
        workspace_id text PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        provider_name text NOT NULL,
        issuer text NOT NULL,
        client_id text NOT NULL,
        client_secret text NOT NULL,
        allowed_domains text NOT NULL,
        role_claim text,
        role_rules text NOT NULL,
        require_sso boolean NOT NULL,
        updated_at bigint NOT NULL
      );
      -- The maintenance role re-seals the client secret under a new data key (rotate-key), nothing more.
      ${tenantTable('workspace_sso', { maintenance: 'SELECT (workspace_id, client_secret), UPDATE (client_secret)' })}

      CREATE TABLE sso_identities (
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        issuer text NOT NULL,
        subject text NOT NULL,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at bigint NOT NULL,
        PRIMARY KEY (workspace_id, issuer, subject)
      );
      ${tenantTable('sso_identities', { app: 'SELECT, INSERT' })}

      CREATE TABLE sso_attempts (
        state_hash text PRIMARY KEY,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        app_challenge text NOT NULL,
        loopback_port integer NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE TABLE sso_login_codes (
        code_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        app_challenge text NOT NULL,
        expires_at bigint NOT NULL
      );
      -- The maintenance role only finds which workspace a hash belongs to (as with invite codes); the row itself
      -- is taken in that workspace's scoped transaction.
      ${tenantTable('sso_attempts', { app: 'SELECT, INSERT, DELETE', maintenance: 'SELECT (state_hash, workspace_id, expires_at), DELETE' })}
      ${tenantTable('sso_login_codes', { app: 'SELECT, INSERT, DELETE', maintenance: 'SELECT (code_hash, workspace_id, expires_at), DELETE' })}
    `,
  },
  {
    version: 13,
    name: 'channel voice mode',
    up: `
      ALTER TABLE channels ADD COLUMN voice_mode text NOT NULL DEFAULT 'auto' CHECK (voice_mode IN ('auto', 'mesh', 'sfu'));
    `,
  },
  {
    version: 14,
    name: 'signed app releases',
    up: `
      -- Server-wide (no workspace): the application role publishes, lists and serves them.
      CREATE TABLE releases (
        id text PRIMARY KEY,
        channel text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('linux', 'mac', 'win')),
        version text NOT NULL,
        serial bigint NOT NULL CHECK (serial > 0),
        feed text NOT NULL,
        signature text NOT NULL,
        rollout_percent integer NOT NULL CHECK (rollout_percent BETWEEN 0 AND 100),
        paused boolean NOT NULL,
        published_at bigint NOT NULL,
        UNIQUE (channel, platform, serial)
      );
      GRANT SELECT, INSERT, UPDATE (rollout_percent, paused) ON releases TO ${APP_ROLE};

      CREATE TABLE release_files (
        id text PRIMARY KEY,
        release_id text NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
        name text NOT NULL,
        digest text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        UNIQUE (release_id, name)
      );
      CREATE INDEX release_files_by_digest ON release_files (digest, name);
      GRANT SELECT, INSERT ON release_files TO ${APP_ROLE};

      -- Installer bytes in rows of about 1 MiB, as file_chunks holds file blobs; a publish writes them under the
      -- file's id before the release row exists and deletes them if it fails.
      CREATE TABLE release_chunks (
        file_id text NOT NULL,
        seq integer NOT NULL CHECK (seq >= 0),
        data bytea NOT NULL,
        PRIMARY KEY (file_id, seq)
      );
      ALTER TABLE release_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
      GRANT SELECT, INSERT, DELETE ON release_chunks TO ${APP_ROLE};
    `,
  },
  {
    version: 15,
    name: 'pending TOTP enrolments',
    up: `
      ALTER TABLE users ADD COLUMN totp_pending_seed text, ADD COLUMN totp_pending_expires_at bigint;
      -- Key rotation re-seals it, as it does totp_seed.
      GRANT SELECT (totp_pending_seed), UPDATE (totp_pending_seed) ON users TO ${MAINTENANCE_ROLE};
    `,
  },
];
