import type { KeyRing } from './fieldCipher';
import { FieldCipherError } from './fieldCipher';
import { StoreError } from './errors';

export interface EncryptedColumn {
  readonly table: string;
  readonly column: string;
  /** The row's stable primary key, bound into the ciphertext's additional data. */
  readonly idColumn: string;
}

/**
 * Every column that holds a sealed value, declared once. Rotation, key-usage reports and the open-time key check
 * walk this list, so a new sensitive column (webhook secrets, chat messages) only has to add itself here.
 */
export const ENCRYPTED_COLUMNS = {
  totpSeed: { table: 'users', column: 'totp_seed', idColumn: 'id' },
  /** A TOTP seed shown at enrolment and not confirmed yet. */
  totpPendingSeed: { table: 'users', column: 'totp_pending_seed', idColumn: 'id' },
  sessionSecret: { table: 'sessions', column: 'secret', idColumn: 'id' },
  serverSecret: { table: 'server_secrets', column: 'value', idColumn: 'name' },
  /** Channel timelines (docs/chat.md): bodies, file names, and event payloads, which carry both. */
  messageBody: { table: 'messages', column: 'body', idColumn: 'id' },
  fileName: { table: 'files', column: 'name', idColumn: 'id' },
  eventPayload: { table: 'workspace_events', column: 'payload', idColumn: 'id' },
  /** Outbound webhooks: signing secrets, and event data frozen for delivery (it names channels and people). */
  webhookSecret: { table: 'webhook_secrets', column: 'secret', idColumn: 'id' },
  webhookEventData: { table: 'webhook_events', column: 'data', idColumn: 'id' },
  /** What a non-ephemeral inbound input received (headers and body), kept for the admin's request log. */
  inputRequestContent: { table: 'input_requests', column: 'content', idColumn: 'id' },
  /** A workspace's OpenID Connect client secret (docs/admin.md, "Single sign-on"). */
  ssoClientSecret: { table: 'workspace_sso', column: 'client_secret', idColumn: 'workspace_id' },
} as const satisfies Record<string, EncryptedColumn>;

export const encryptedColumnList: readonly EncryptedColumn[] = Object.values(ENCRYPTED_COLUMNS);

// These names are spliced into SQL by rotation and usage queries; they come from the constant above, and this
// check keeps it that way if someone ever builds the list from input.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
for (const { table, column, idColumn } of encryptedColumnList) {
  if (![table, column, idColumn].every((name) => IDENTIFIER.test(name))) {
    throw new Error(`encrypted column ${table}.${column} has an unsafe name`);
  }
}

/** Seals and opens the values of the declared columns with whatever ring the store holds right now. */
export interface FieldCodec {
  seal(column: EncryptedColumn, rowId: string, plaintext: Uint8Array): string;
  open(column: EncryptedColumn, rowId: string, sealed: string): Buffer;
}

export function createFieldCodec(ring: () => KeyRing): FieldCodec {
  return {
    seal: (column, rowId, plaintext) => ring().seal(plaintext, { table: column.table, column: column.column, rowId }),
    open(column, rowId, sealed) {
      try {
        return ring().open(sealed, { table: column.table, column: column.column, rowId });
      } catch (error) {
        if (!(error instanceof FieldCipherError)) throw error;
        throw new StoreError('field_undecryptable', error.message, { cause: error });
      }
    },
  };
}
