import { present } from '../context';
import { newId } from '../ids';
import type { InboundInput, InboundLookup, ScopedApiTokens, ScopedInputs } from '../inputTypes';
import {
  INPUT_COLUMNS,
  requestRecord,
  sealedRequestContent,
  TOKEN_COLUMNS,
  toInput,
  toToken,
  type InputRow,
  type RequestRow,
  type TokenRow,
} from '../inputsQueries';
import type { PgStoreContext } from './pgContext';
import { limitOf, referencingPg, type Sql } from './pgSql';

/** Inputs, their request log and API tokens: scoped for admins, by capability (maintenance) for the input route. */
export function pgInputs({ db, now, fields }: PgStoreContext) {
  const lookup: InboundLookup = {
    // Named cross-workspace operations: the input id in the URL and a token's key id are capabilities.
    async input(inputId) {
      const row = await db.maintenance((sql) =>
        sql.row<InputRow>(`SELECT ${INPUT_COLUMNS} FROM inputs WHERE id = $1`, [inputId]),
      );
      return row && toInput(row);
    },
    async token(tokenId) {
      const row = await db.maintenance((sql) =>
        sql.row<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [tokenId]),
      );
      return (
        row && { id: row.id, workspaceId: row.workspace_id, secretHash: row.secret_hash, revokedAt: row.revoked_at }
      );
    },
    async markTokenUsed(tokenId) {
      await db.maintenance((sql) => sql.run('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [tokenId, now()]));
    },
    // The input names its workspace, so the log row is written scoped to it.
    async recordRequest({ input, status, content }) {
      const at = now();
      const id = newId(at);
      await db.scoped(input.workspaceId, (sql) =>
        sql.run(
          `INSERT INTO input_requests (workspace_id, id, input_id, received_at, status, ephemeral, content)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            input.workspaceId,
            id,
            input.id,
            at,
            status,
            input.ephemeral,
            sealedRequestContent(fields, id, input, content),
          ],
        ),
      );
    },
  };

  function inputs(workspaceId: string): ScopedInputs {
    const tx = <T>(work: (sql: Sql) => Promise<T>) => db.scoped(workspaceId, work);
    const inputRow = (sql: Sql, id: string) =>
      sql.row<InputRow>(`SELECT ${INPUT_COLUMNS} FROM inputs WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
    const channelInScope = async (sql: Sql, channelId: string) =>
      (await sql.row('SELECT id FROM channels WHERE workspace_id = $1 AND id = $2', [workspaceId, channelId])) !==
      undefined;
    return {
      create: (input) =>
        referencingPg(
          'the input',
          tx(async (sql): Promise<InboundInput | undefined> => {
            if (!(await channelInScope(sql, input.channelId))) return undefined;
            const at = now();
            const id = newId(at);
            await sql.run(
              `INSERT INTO inputs (workspace_id, id, channel_id, name, enabled, ephemeral, require_token, created_by,
                 created_at, updated_at) VALUES ($1, $2, $3, $4, true, $5, $6, $7, $8, $8)`,
              [workspaceId, id, input.channelId, input.name, input.ephemeral, input.requireToken, input.createdBy, at],
            );
            return toInput(present(await inputRow(sql, id), 'input'));
          }),
        ),
      get: (inputId) =>
        tx(async (sql) => {
          const row = await inputRow(sql, inputId);
          return row && toInput(row);
        }),
      async list() {
        const rows = await tx((sql) =>
          sql.rows<InputRow>(`SELECT ${INPUT_COLUMNS} FROM inputs WHERE workspace_id = $1 ORDER BY created_at, id`, [
            workspaceId,
          ]),
        );
        return rows.map(toInput);
      },
      update: (inputId, patch) =>
        tx(async (sql) => {
          if (patch.channelId !== undefined && !(await channelInScope(sql, patch.channelId))) return undefined;
          const changed = await sql.run(
            `UPDATE inputs SET channel_id = coalesce($3, channel_id), name = coalesce($4, name),
               enabled = coalesce($5, enabled), ephemeral = coalesce($6, ephemeral),
               require_token = coalesce($7, require_token), updated_at = $8
             WHERE workspace_id = $1 AND id = $2`,
            [
              workspaceId,
              inputId,
              patch.channelId ?? null,
              patch.name ?? null,
              patch.enabled ?? null,
              patch.ephemeral ?? null,
              patch.requireToken ?? null,
              now(),
            ],
          );
          return changed === 1 ? toInput(present(await inputRow(sql, inputId), 'input')) : undefined;
        }),
      async delete(inputId) {
        const removed = await tx((sql) =>
          sql.run('DELETE FROM inputs WHERE workspace_id = $1 AND id = $2', [workspaceId, inputId]),
        );
        return removed === 1;
      },
      async requests(inputId, limit) {
        const rows = await tx((sql) =>
          sql.rows<RequestRow>(
            `SELECT id, input_id, received_at, status, content FROM input_requests
             WHERE workspace_id = $1 AND input_id = $2 ORDER BY received_at DESC, id DESC LIMIT $3`,
            [workspaceId, inputId, limitOf(limit)],
          ),
        );
        return rows.map((row) => requestRecord(row, fields));
      },
    };
  }

  function apiTokens(workspaceId: string): ScopedApiTokens {
    const tx = <T>(work: (sql: Sql) => Promise<T>) => db.scoped(workspaceId, work);
    const tokenRow = (sql: Sql, id: string) =>
      sql.row<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = $1 AND id = $2`, [
        workspaceId,
        id,
      ]);
    return {
      async create(input) {
        const row = await referencingPg(
          'the API token',
          tx(async (sql) => {
            await sql.run(
              `INSERT INTO api_tokens (workspace_id, id, name, secret_hash, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6)`,
              [workspaceId, input.id, input.name, input.secretHash, input.createdBy, now()],
            );
            return tokenRow(sql, input.id);
          }),
        );
        return toToken(present(row, 'API token'));
      },
      async get(tokenId) {
        const row = await tx((sql) => tokenRow(sql, tokenId));
        return row && toToken(row);
      },
      async list() {
        const rows = await tx((sql) =>
          sql.rows<TokenRow>(
            `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at, id`,
            [workspaceId],
          ),
        );
        return rows.map(toToken);
      },
      async revoke(tokenId) {
        const changed = await tx((sql) =>
          sql.run('UPDATE api_tokens SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL', [
            workspaceId,
            tokenId,
            now(),
          ]),
        );
        return changed === 1;
      },
    };
  }

  return { lookup, inputs, apiTokens };
}
