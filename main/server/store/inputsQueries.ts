import { fromFlag, present, referencing, toFlag, type Flag, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS, type FieldCodec } from './encryptedColumns';
import { newId } from './ids';
import type {
  ApiTokenRecord,
  InboundInput,
  InboundLookup,
  InputRequestContent,
  InputRequestRecord,
  InputRequestStatus,
  ScopedApiTokens,
  ScopedInputs,
} from './inputTypes';
import { prepareScoped } from './scopedSql';

export interface InputRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  name: string;
  enabled: Flag;
  ephemeral: Flag;
  require_token: Flag;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface RequestRow {
  id: string;
  input_id: string;
  received_at: number;
  status: InputRequestStatus;
  content: string | null;
}

export interface TokenRow {
  id: string;
  workspace_id: string;
  name: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export const INPUT_COLUMNS =
  'id, workspace_id, channel_id, name, enabled, ephemeral, require_token, created_by, created_at, updated_at';
export const TOKEN_COLUMNS = 'id, workspace_id, name, secret_hash, created_by, created_at, last_used_at, revoked_at';

export function requestRecord(row: RequestRow, fields: FieldCodec): InputRequestRecord {
  const content =
    row.content === null
      ? null
      : (JSON.parse(
          fields.open(ENCRYPTED_COLUMNS.inputRequestContent, row.id, row.content).toString('utf8'),
        ) as InputRequestContent);
  return { id: row.id, inputId: row.input_id, receivedAt: row.received_at, status: row.status, content };
}

/** What a request log row keeps of a request: nothing at all for an ephemeral input, else its content sealed. */
export function sealedRequestContent(
  fields: FieldCodec,
  id: string,
  input: InboundInput,
  content: InputRequestContent | null,
): string | null {
  // The ephemeral promise is kept here, not by each caller: nothing of the request reaches the row.
  return input.ephemeral || content === null
    ? null
    : fields.seal(ENCRYPTED_COLUMNS.inputRequestContent, id, Buffer.from(JSON.stringify(content), 'utf8'));
}

/** Inputs, their request log and API tokens: scoped for admins, by capability for the input route. */
export function inputsQueries({ db, now, fields }: StoreContext) {
  const channelInScope = prepareScoped<{ workspaceId: string; channelId: string }, { id: string }>(
    db,
    'SELECT id FROM channels WHERE workspace_id = @workspaceId AND id = @channelId',
  );
  const insertInput = prepareScoped<{
    workspaceId: string;
    id: string;
    channelId: string;
    name: string;
    ephemeral: number;
    requireToken: number;
    createdBy: string;
    now: number;
  }>(
    db,
    `INSERT INTO inputs (id, workspace_id, channel_id, name, enabled, ephemeral, require_token, created_by, created_at,
       updated_at)
     VALUES (@id, @workspaceId, @channelId, @name, 1, @ephemeral, @requireToken, @createdBy, @now, @now)`,
  );
  const getInput = prepareScoped<{ workspaceId: string; id: string }, InputRow>(
    db,
    `SELECT ${INPUT_COLUMNS} FROM inputs WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const listInputs = prepareScoped<{ workspaceId: string }, InputRow>(
    db,
    `SELECT ${INPUT_COLUMNS} FROM inputs WHERE workspace_id = @workspaceId ORDER BY created_at, id`,
  );
  const updateInput = prepareScoped<{
    workspaceId: string;
    id: string;
    channelId: string | null;
    name: string | null;
    enabled: number | null;
    ephemeral: number | null;
    requireToken: number | null;
    now: number;
  }>(
    db,
    `UPDATE inputs SET channel_id = coalesce(@channelId, channel_id), name = coalesce(@name, name),
       enabled = coalesce(@enabled, enabled), ephemeral = coalesce(@ephemeral, ephemeral),
       require_token = coalesce(@requireToken, require_token), updated_at = @now
     WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const deleteInput = prepareScoped<{ workspaceId: string; id: string }>(
    db,
    'DELETE FROM inputs WHERE workspace_id = @workspaceId AND id = @id',
  );
  const listRequests = prepareScoped<{ workspaceId: string; inputId: string; limit: number }, RequestRow>(
    db,
    `SELECT id, input_id, received_at, status, content FROM input_requests
     WHERE workspace_id = @workspaceId AND input_id = @inputId ORDER BY received_at DESC, id DESC LIMIT @limit`,
  );
  const insertToken = prepareScoped<{
    workspaceId: string;
    id: string;
    name: string;
    secretHash: string;
    createdBy: string;
    now: number;
  }>(
    db,
    `INSERT INTO api_tokens (id, workspace_id, name, secret_hash, created_by, created_at)
     VALUES (@id, @workspaceId, @name, @secretHash, @createdBy, @now)`,
  );
  const getToken = prepareScoped<{ workspaceId: string; id: string }, TokenRow>(
    db,
    `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const listTokens = prepareScoped<{ workspaceId: string }, TokenRow>(
    db,
    `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = @workspaceId ORDER BY created_at, id`,
  );
  const revokeToken = prepareScoped<{ workspaceId: string; id: string; now: number }>(
    db,
    'UPDATE api_tokens SET revoked_at = @now WHERE workspace_id = @workspaceId AND id = @id AND revoked_at IS NULL',
  );

  // ---- by capability: the input route, before anyone is authenticated -------------------------------------
  const inputById = db.prepare<[string], InputRow>(`SELECT ${INPUT_COLUMNS} FROM inputs WHERE id = ?`);
  const tokenById = db.prepare<[string], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`);
  const touchToken = db.prepare('UPDATE api_tokens SET last_used_at = @now WHERE id = @id');
  const insertRequest = db.prepare(
    `INSERT INTO input_requests (id, workspace_id, input_id, received_at, status, ephemeral, content)
     VALUES (@id, @workspaceId, @inputId, @now, @status, @ephemeral, @content)`,
  );

  const createInput = db.transaction((workspaceId: string, input: Parameters<ScopedInputs['create']>[0]) => {
    if (channelInScope.get({ workspaceId, channelId: input.channelId }) === undefined) return undefined;
    const at = now();
    const id = newId(at);
    referencing('the input', () =>
      insertInput.run({
        workspaceId,
        id,
        channelId: input.channelId,
        name: input.name,
        ephemeral: toFlag(input.ephemeral),
        requireToken: toFlag(input.requireToken),
        createdBy: input.createdBy,
        now: at,
      }),
    );
    return toInput(present(getInput.get({ workspaceId, id }), 'input'));
  });

  const patchInput = db.transaction(
    (workspaceId: string, id: string, patch: Parameters<ScopedInputs['update']>[1]): InboundInput | undefined => {
      if (
        patch.channelId !== undefined &&
        channelInScope.get({ workspaceId, channelId: patch.channelId }) === undefined
      ) {
        return undefined;
      }
      const flag = (value: boolean | undefined) => (value === undefined ? null : toFlag(value));
      const changed = updateInput.run({
        workspaceId,
        id,
        channelId: patch.channelId ?? null,
        name: patch.name ?? null,
        enabled: flag(patch.enabled),
        ephemeral: flag(patch.ephemeral),
        requireToken: flag(patch.requireToken),
        now: now(),
      });
      return changed.changes === 1 ? toInput(present(getInput.get({ workspaceId, id }), 'input')) : undefined;
    },
  );

  const toRequest = (row: RequestRow) => requestRecord(row, fields);

  const lookup: InboundLookup = {
    async input(inputId) {
      const row = inputById.get(inputId);
      return row && toInput(row);
    },
    async token(tokenId) {
      const row = tokenById.get(tokenId);
      return (
        row && { id: row.id, workspaceId: row.workspace_id, secretHash: row.secret_hash, revokedAt: row.revoked_at }
      );
    },
    async markTokenUsed(tokenId) {
      touchToken.run({ id: tokenId, now: now() });
    },
    async recordRequest({ input, status, content }) {
      const at = now();
      const id = newId(at);
      const sealed = sealedRequestContent(fields, id, input, content);
      insertRequest.run({
        id,
        workspaceId: input.workspaceId,
        inputId: input.id,
        now: at,
        status,
        ephemeral: toFlag(input.ephemeral),
        content: sealed,
      });
    },
  };

  return {
    lookup,
    inputs(workspaceId: string): ScopedInputs {
      return {
        async create(input) {
          return createInput.immediate(workspaceId, input);
        },
        async get(inputId) {
          const row = getInput.get({ workspaceId, id: inputId });
          return row && toInput(row);
        },
        async list() {
          return listInputs.all({ workspaceId }).map(toInput);
        },
        async update(inputId, patch) {
          return patchInput.immediate(workspaceId, inputId, patch);
        },
        async delete(inputId) {
          return deleteInput.run({ workspaceId, id: inputId }).changes === 1;
        },
        async requests(inputId, limit) {
          return listRequests.all({ workspaceId, inputId, limit: Math.max(0, Math.trunc(limit)) }).map(toRequest);
        },
      };
    },
    apiTokens(workspaceId: string): ScopedApiTokens {
      return {
        async create(input) {
          referencing('the API token', () =>
            insertToken.run({
              workspaceId,
              id: input.id,
              name: input.name,
              secretHash: input.secretHash,
              createdBy: input.createdBy,
              now: now(),
            }),
          );
          return toToken(present(getToken.get({ workspaceId, id: input.id }), 'API token'));
        },
        async get(tokenId) {
          const row = getToken.get({ workspaceId, id: tokenId });
          return row && toToken(row);
        },
        async list() {
          return listTokens.all({ workspaceId }).map(toToken);
        },
        async revoke(tokenId) {
          return revokeToken.run({ workspaceId, id: tokenId, now: now() }).changes === 1;
        },
      };
    },
  };
}

export function toInput(row: InputRow): InboundInput {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    name: row.name,
    enabled: fromFlag(row.enabled),
    ephemeral: fromFlag(row.ephemeral),
    requireToken: fromFlag(row.require_token),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
