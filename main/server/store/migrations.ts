import type { Migration } from './database';

/**
 * The schema, one numbered step at a time (database.ts applies each in its own transaction). Conventions:
 * STRICT tables (a column holds the type it declares, as in PostgreSQL); times are Unix epoch milliseconds;
 * ids are random UUIDs or caller-chosen random strings, never AUTOINCREMENT; sealed columns are listed in
 * encryptedColumns.ts. Released steps are never edited: a change is a new step at the end.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts and sessions',
    up: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        server_owner INTEGER NOT NULL CHECK (server_owner IN (0, 1)),
        totp_seed TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE recovery_codes (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        used_at INTEGER,
        PRIMARY KEY (user_id, code_hash)
      ) STRICT;

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id TEXT NOT NULL,
        secret TEXT NOT NULL,
        refresh_token_hash TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_reason TEXT
      ) STRICT;
      CREATE INDEX sessions_by_user ON sessions (user_id);
      CREATE INDEX sessions_by_family ON sessions (family_id);

      CREATE TABLE used_refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        used_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX used_refresh_tokens_by_family ON used_refresh_tokens (family_id);
    `,
  },
  {
    version: 2,
    name: 'workspaces, members, channels, invites and events',
    up: `
      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_event_seq INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE memberships (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      ) STRICT;
      CREATE INDEX memberships_by_user ON memberships (user_id);

      -- 'text' is allowed now so text channels need no table rebuild later (SQLite cannot alter a CHECK).
      CREATE TABLE channels (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('voice', 'text')),
        relay_only INTEGER NOT NULL DEFAULT 1 CHECK (relay_only IN (0, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX channels_by_workspace ON channels (workspace_id, created_at);

      CREATE TABLE invites (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
        max_uses INTEGER NOT NULL CHECK (max_uses > 0),
        uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX invites_by_workspace ON invites (workspace_id, created_at);

      CREATE TABLE workspace_events (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (workspace_id, seq)
      ) STRICT;
      CREATE INDEX workspace_events_by_age ON workspace_events (created_at);
    `,
  },
  {
    version: 3,
    name: 'audit log and server secrets',
    up: `
      -- No foreign keys: the record of what happened outlives the users and workspaces it mentions.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        actor_user_id TEXT,
        workspace_id TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, seq);
      -- The hash chain detects edits; these triggers stop the store's own code from ever making one.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

      CREATE TABLE server_secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'signed-request nonces and TOTP replay guard',
    up: `
      -- Nonces of accepted signed requests, kept while their timestamp could still be accepted: in the database so a
      -- request captured before a restart (or sent to another node sharing the store) cannot be replayed.
      CREATE TABLE request_nonces (
        session_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, nonce)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);

      -- The last TOTP step an account used: a code is accepted only for a later step, across restarts too.
      ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
    `,
  },
  {
    version: 5,
    name: 'session revocation feed',
    up: `
      -- What a relay run apart polls (relay.revocations): one row per session a revocation ended. A trigger writes it,
      -- so every revoking statement (sign-out, family, all-for-user, refresh reuse) appends in that same statement
      -- and no code path can end a session without the feed hearing of it. Rotation is not a revocation: the family
      -- lives on in the successor. Pruning always keeps the newest row, so seq is never reused.
      CREATE TABLE session_revocations (
        seq INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        family_id TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX session_revocations_by_time ON session_revocations (at);
      CREATE TRIGGER sessions_revocation_feed AFTER UPDATE OF revoked_at ON sessions
        WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL AND NEW.revoked_reason IS NOT 'rotated'
        BEGIN
          INSERT INTO session_revocations (session_id, family_id, at) VALUES (NEW.id, NEW.family_id, NEW.revoked_at);
        END;
    `,
  },
  {
    version: 6,
    name: 'voice server mutes',
    up: `
      -- A moderator's server mute, per workspace, until a moderator lifts it. Keyed to the workspace and the user, not
      -- the membership: leaving and rejoining through an invite must not shed the mute. muted_by has no foreign key,
      -- like the audit log: who muted stays on record after that account is gone.
      CREATE TABLE voice_mutes (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        muted_by TEXT NOT NULL,
        muted_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX voice_mutes_by_user ON voice_mutes (user_id);
    `,
  },
  {
    version: 7,
    name: 'channel timelines, read markers, files',
    up: `
      -- Timeline positions come from a counter on the channel row, like event seqs from the workspace row: gap-free
      -- per channel, never reused after a delete, and the UPDATE serialises concurrent posts.
      ALTER TABLE channels ADD COLUMN last_message_position INTEGER NOT NULL DEFAULT 0;

      -- body is sealed (encryptedColumns.ts) and NULL once deleted: a deleted message stays as a tombstone so that
      -- cursors and read markers pointing at it keep their place. Authors have no foreign key: messages outlive
      -- accounts, as the audit log does.
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        author_kind TEXT NOT NULL CHECK (author_kind IN ('member', 'input')),
        author_id TEXT NOT NULL,
        author_name TEXT,
        reply_to TEXT,
        body TEXT,
        created_at INTEGER NOT NULL,
        edited_at INTEGER,
        deleted_at INTEGER,
        deleted_by TEXT,
        UNIQUE (channel_id, position),
        CHECK ((author_kind = 'input') = (author_name IS NOT NULL)),
        CHECK ((deleted_at IS NULL) = (body IS NOT NULL))
      ) STRICT;
      CREATE INDEX messages_by_channel ON messages (workspace_id, channel_id, position);

      CREATE TABLE message_mentions (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        channel_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (message_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX message_mentions_by_user ON message_mentions (workspace_id, user_id, channel_id, position);

      CREATE TABLE read_markers (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, user_id, channel_id)
      ) STRICT, WITHOUT ROWID;

      -- Contents live in the blob directory, encrypted in chunks under key_id (blobCipher.ts); name is sealed. A file
      -- is uploaded first and attached by the message that names it (message_id set once, cleared never: deleting the
      -- message deletes its files). Rows that lose their channel or workspace take the blob with them at the next
      -- sweep, which deletes blobs that no row names.
      CREATE TABLE files (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        uploader_id TEXT NOT NULL,
        message_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        key_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX files_by_workspace ON files (workspace_id, created_at);
      CREATE INDEX files_by_message ON files (message_id);

      -- Event payloads are sealed from this version on (they carry message bodies); the few minutes of plaintext
      -- events kept so far are dropped, and clients that wanted them resync.
      DELETE FROM workspace_events;
    `,
  },
  {
    version: 8,
    name: 'outbound webhooks',
    up: `
      -- Endpoints an admin registered, what they subscribe to, and their signing secrets (sealed). A rotated-out
      -- secret keeps signing until expires_at, so receivers can switch over without missing a delivery.
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        description TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints (workspace_id, created_at);

      CREATE TABLE webhook_subscriptions (
        workspace_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_type TEXT NOT NULL,
        PRIMARY KEY (endpoint_id, event_type)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX webhook_subscriptions_by_type ON webhook_subscriptions (workspace_id, event_type);

      CREATE TABLE webhook_secrets (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX webhook_secrets_by_endpoint ON webhook_secrets (endpoint_id, created_at);

      -- The outbox cursors: how far the webhook fan-out has read each workspace's event log and audit entries.
      -- Fan-out writes the events, their deliveries and the new cursor in one transaction, so a crash either
      -- loses none of it or repeats none of it.
      CREATE TABLE webhook_cursors (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        event_seq INTEGER NOT NULL,
        audit_seq INTEGER NOT NULL
      ) STRICT;

      -- One row per event some endpoint subscribed to; data (sealed) is the body's data, frozen at fan-out so every
      -- attempt and every endpoint gets the same bytes.
      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        occurred_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_events_by_age ON webhook_events (created_at);

      -- The durable queue. pending rows wait for next_attempt_at; in_flight rows are leased to one sender until
      -- lease_until (a sender that died is noticed when its lease runs out, and that attempt counts as made).
      CREATE TABLE webhook_deliveries (
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed')),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        extra_attempts INTEGER NOT NULL CHECK (extra_attempts >= 0),
        next_attempt_at INTEGER,
        lease_until INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (endpoint_id, event_id),
        CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
        CHECK ((status = 'in_flight') = (lease_until IS NOT NULL))
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (lease_until) WHERE status = 'in_flight';
      CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
      CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);

      -- Attempt history: what happened, never what the receiver answered beyond its status code.
      CREATE TABLE webhook_attempts (
        endpoint_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        attempt INTEGER NOT NULL CHECK (attempt >= 1),
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        outcome TEXT NOT NULL CHECK (outcome IN ('in_flight', 'succeeded', 'http_error', 'timeout', 'network_error',
          'refused_address', 'interrupted')),
        status_code INTEGER,
        error TEXT,
        PRIMARY KEY (endpoint_id, event_id, attempt),
        FOREIGN KEY (endpoint_id, event_id) REFERENCES webhook_deliveries (endpoint_id, event_id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: 'api tokens and inbound inputs',
    up: `
      -- API tokens: the id is the public key id inside the token; only an argon2id hash of the secret is kept.
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX api_tokens_by_workspace ON api_tokens (workspace_id, created_at);

      -- Inbound webhook inputs: the random id is the URL, and knowing it is what lets a system post into the
      -- channel (with a token too, when require_token is set).
      CREATE TABLE inputs (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        ephemeral INTEGER NOT NULL CHECK (ephemeral IN (0, 1)),
        require_token INTEGER NOT NULL CHECK (require_token IN (0, 1)),
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX inputs_by_workspace ON inputs (workspace_id, created_at);

      -- What each input received. content (sealed: the headers and body as received) is NULL for an ephemeral
      -- input, which keeps status and time only; a CHECK makes the database itself refuse anything else.
      CREATE TABLE input_requests (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        input_id TEXT NOT NULL REFERENCES inputs (id) ON DELETE CASCADE,
        received_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('posted', 'disabled', 'token_refused', 'failed')),
        ephemeral INTEGER NOT NULL CHECK (ephemeral IN (0, 1)),
        content TEXT,
        CHECK (ephemeral = 0 OR content IS NULL)
      ) STRICT;
      CREATE INDEX input_requests_by_input ON input_requests (input_id, received_at);
    `,
  },
  {
    version: 10,
    name: 'message nonces',
    up: `
      -- The id a member's app gives each post and repeats on every retry: the first post with it is the only one, so a
      -- retry after a lost answer finds it instead of posting twice (docs/chat.md, "Sending and the outbox").
      ALTER TABLE messages ADD COLUMN client_nonce TEXT;
      CREATE UNIQUE INDEX messages_by_nonce ON messages (workspace_id, author_id, client_nonce)
        WHERE client_nonce IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'session device labels and addresses',
    up: `
      -- What the client called itself at sign-in and the address the server saw (at sign-in or the refresh that made
      -- the session), so the account's owner can tell their sessions apart. Earlier sessions have neither.
      ALTER TABLE sessions ADD COLUMN device_label TEXT;
      ALTER TABLE sessions ADD COLUMN last_address TEXT;
    `,
  },
  {
    version: 12,
    name: 'single sign-on',
    up: `
      -- One OpenID Connect provider per workspace; client_secret is sealed (encryptedColumns.ts).
      CREATE TABLE workspace_sso (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        provider_name TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret TEXT NOT NULL,
        allowed_domains TEXT NOT NULL,
        role_claim TEXT,
        role_rules TEXT NOT NULL,
        require_sso INTEGER NOT NULL CHECK (require_sso IN (0, 1)),
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Which account a provider's subject is, per workspace: the link just-in-time membership made.
      CREATE TABLE sso_identities (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, issuer, subject)
      ) STRICT, WITHOUT ROWID;

      -- Browser trips to a provider, by the SHA-256 of their state; deleted when the callback takes them.
      CREATE TABLE sso_attempts (
        state_hash TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        nonce TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        app_challenge TEXT NOT NULL,
        loopback_port INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- One-time login codes for the app, by SHA-256; deleted when exchanged.
      CREATE TABLE sso_login_codes (
        code_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        app_challenge TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 13,
    name: 'channel voice mode',
    up: `
      -- How a voice channel carries audio: decided by the room's size ('auto'), or forced by an owner or admin to a
      -- mesh or the SFU (docs/voice.md).
      ALTER TABLE channels ADD COLUMN voice_mode TEXT NOT NULL DEFAULT 'auto' CHECK (voice_mode IN ('auto', 'mesh', 'sfu'));
    `,
  },
  {
    version: 14,
    name: 'signed app releases',
    up: `
      -- The organization's app releases: the feed as its release key signed it (the server never signs), the
      -- detached signature, and a serial above every earlier one of the channel and platform.
      CREATE TABLE releases (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        platform TEXT NOT NULL CHECK (platform IN ('linux', 'mac', 'win')),
        version TEXT NOT NULL,
        serial INTEGER NOT NULL CHECK (serial > 0),
        feed TEXT NOT NULL,
        signature TEXT NOT NULL,
        rollout_percent INTEGER NOT NULL CHECK (rollout_percent BETWEEN 0 AND 100),
        paused INTEGER NOT NULL CHECK (paused IN (0, 1)),
        published_at INTEGER NOT NULL,
        UNIQUE (channel, platform, serial)
      ) STRICT;

      -- Installers, named in URLs by their SHA-512 (base64url). Contents live in <dataDir>/releases/<id>, unsealed:
      -- every signed-in user may download them, and the signed feed's digest is what makes them trustworthy.
      CREATE TABLE release_files (
        id TEXT PRIMARY KEY,
        release_id TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        UNIQUE (release_id, name)
      ) STRICT;
      CREATE INDEX release_files_by_digest ON release_files (digest, name);
    `,
  },
  {
    version: 15,
    name: 'pending TOTP enrolments',
    up: `
      -- A seed shown to the user and not confirmed yet (sealed like totp_seed), until its expiry: in the store, so
      -- that with several nodes the confirmation may reach another node than the enrolment.
      ALTER TABLE users ADD COLUMN totp_pending_seed TEXT;
      ALTER TABLE users ADD COLUMN totp_pending_expires_at INTEGER;
    `,
  },
];
