import { fail, ok, type Result } from '../../../../shared/result';
import { present } from '../context';
import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { FILE_COLUMNS, fileRecord, type FileRow } from '../filesQueries';
import { newId } from '../ids';
import {
  BY_NONCE_SQL,
  MESSAGE_COLUMNS,
  memberNonce,
  messageRecord,
  PostRefused,
  postFailureMessages,
  UNREAD_SQL,
  type MessageRow,
} from '../messagesQueries';
import type { ChannelUnreadRecord, ScopedMessages, StoredFile, StoredMessage } from '../types';
import type { PgStoreContext } from './pgContext';
import { limitOf, positional, referencingPg, sqlState, type Sql } from './pgSql';

const UNREAD_ALL = positional(`${UNREAD_SQL} ORDER BY c.created_at, c.id`, ['workspaceId', 'userId']);
const UNREAD_ONE = positional(`${UNREAD_SQL} AND c.id = @channelId`, ['workspaceId', 'userId', 'channelId']);
const BY_NONCE = positional(BY_NONCE_SQL, ['workspaceId', 'authorId', 'nonce']);

/** Channel timelines, mentions and read markers of one workspace; $1 is the workspace in every statement. */
export function pgMessages({ db, now, fields }: PgStoreContext, workspaceId: string): ScopedMessages {
  const tx = <T>(work: (sql: Sql) => Promise<T>) => db.scoped(workspaceId, work);
  const getRow = (sql: Sql, id: string) =>
    sql.row<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
  const positionIn = (sql: Sql, id: string, channelId: string) =>
    sql.row<{ position: number }>(
      'SELECT position FROM messages WHERE workspace_id = $1 AND id = $2 AND channel_id = $3',
      [workspaceId, id, channelId],
    );
  const attachmentsOf = async (sql: Sql, messageId: string): Promise<StoredFile[]> =>
    (
      await sql.rows<FileRow>(
        `SELECT ${FILE_COLUMNS} FROM files WHERE workspace_id = $1 AND message_id = $2 ORDER BY created_at, id`,
        [workspaceId, messageId],
      )
    ).map((row) => fileRecord(row, fields));
  async function toMessage(sql: Sql, row: MessageRow): Promise<StoredMessage> {
    const mentions = await sql.rows<{ user_id: string }>(
      'SELECT user_id FROM message_mentions WHERE workspace_id = $1 AND message_id = $2 ORDER BY user_id',
      [workspaceId, row.id],
    );
    const attachments = row.deleted_at === null ? await attachmentsOf(sql, row.id) : [];
    return messageRecord(
      row,
      fields,
      mentions.map((m) => m.user_id),
      attachments,
    );
  }
  const reread = async (sql: Sql, id: string) => toMessage(sql, present(await getRow(sql, id), 'message'));
  const sealBody = (id: string, body: string) => fields.seal(ENCRYPTED_COLUMNS.messageBody, id, Buffer.from(body));
  const mention = (sql: Sql, messageId: string, channelId: string, position: number, userIds: readonly string[]) =>
    sql.run(
      `INSERT INTO message_mentions (workspace_id, message_id, channel_id, position, user_id)
       SELECT $1, $2, $3, $4, user_id FROM unnest($5::text[]) AS user_id ON CONFLICT DO NOTHING`,
      [workspaceId, messageId, channelId, position, userIds],
    );

  return {
    async post(input): Promise<Result<StoredMessage>> {
      try {
        return ok(
          await tx(async (sql) => {
            const nonce = memberNonce(input);
            if (nonce !== null && (await sql.row(BY_NONCE, [workspaceId, nonce.authorId, nonce.nonce])) !== undefined) {
              throw new PostRefused('duplicate_nonce');
            }
            // The channel row's counter, as events use the workspace row's: its lock orders concurrent posts.
            const next = await sql.row<{ position: number }>(
              `UPDATE channels SET last_message_position = last_message_position + 1
               WHERE workspace_id = $1 AND id = $2 RETURNING last_message_position AS position`,
              [workspaceId, input.channelId],
            );
            if (next === undefined) throw new PostRefused('unknown_channel');
            if (input.replyTo !== undefined && (await positionIn(sql, input.replyTo, input.channelId)) === undefined) {
              throw new PostRefused('unknown_reply');
            }
            const id = newId(now());
            const { author } = input;
            await referencingPg(
              'the message',
              sql.run(
                `INSERT INTO messages (workspace_id, id, channel_id, position, author_kind, author_id, author_name,
                   reply_to, body, created_at, client_nonce) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
                [
                  workspaceId,
                  id,
                  input.channelId,
                  next.position,
                  author.kind,
                  author.kind === 'member' ? author.userId : author.inputId,
                  author.kind === 'input' ? author.name : null,
                  input.replyTo ?? null,
                  sealBody(id, input.body),
                  now(),
                  nonce?.nonce ?? null,
                ],
              ),
            );
            await mention(sql, id, input.channelId, next.position, input.mentions);
            if (input.attachments.length > 0) {
              if (author.kind !== 'member') throw new PostRefused('bad_attachment');
              for (const fileId of input.attachments) {
                const attached = await sql.run(
                  `UPDATE files SET message_id = $5 WHERE workspace_id = $1 AND id = $2
                     AND channel_id = $3 AND uploader_id = $4 AND message_id IS NULL`,
                  [workspaceId, fileId, input.channelId, author.userId, id],
                );
                if (attached !== 1) throw new PostRefused('bad_attachment');
              }
            }
            return reread(sql, id);
          }),
        );
      } catch (error) {
        if (error instanceof PostRefused) return fail(error.reason, postFailureMessages[error.reason]);
        // Another node's transaction took the nonce between our look and our insert: the unique index says so.
        if (sqlState(error) === '23505' && (error as { constraint?: unknown }).constraint === 'messages_by_nonce') {
          return fail('duplicate_nonce', postFailureMessages.duplicate_nonce);
        }
        throw error;
      }
    },
    byNonce: (authorUserId, nonce) =>
      tx(async (sql) => {
        const row = await sql.row<MessageRow>(BY_NONCE, [workspaceId, authorUserId, nonce]);
        return row && toMessage(sql, row);
      }),
    get: (messageId) =>
      tx(async (sql) => {
        const row = await getRow(sql, messageId);
        return row && toMessage(sql, row);
      }),
    edit: (messageId, body, mentions) =>
      tx(async (sql) => {
        const row = await sql.row<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
          [workspaceId, messageId],
        );
        if (row === undefined || row.deleted_at !== null) return undefined;
        await sql.run('UPDATE messages SET body = $3, edited_at = $4 WHERE workspace_id = $1 AND id = $2', [
          workspaceId,
          messageId,
          sealBody(messageId, body),
          now(),
        ]);
        await sql.run('DELETE FROM message_mentions WHERE workspace_id = $1 AND message_id = $2', [
          workspaceId,
          messageId,
        ]);
        await mention(sql, messageId, row.channel_id, row.position, mentions);
        return reread(sql, messageId);
      }),
    delete: (messageId, deletedBy) =>
      tx(async (sql) => {
        const before = await sql.row<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
          [workspaceId, messageId],
        );
        if (before === undefined || before.deleted_at !== null) return undefined;
        const removedFiles = await attachmentsOf(sql, messageId);
        // Rows and blobs go together here: file contents live in this database (pgFiles.ts).
        await sql.run('DELETE FROM file_chunks WHERE workspace_id = $1 AND file_id = ANY($2::text[])', [
          workspaceId,
          removedFiles.map((file) => file.id),
        ]);
        await sql.run('DELETE FROM files WHERE workspace_id = $1 AND message_id = $2', [workspaceId, messageId]);
        await sql.run('DELETE FROM message_mentions WHERE workspace_id = $1 AND message_id = $2', [
          workspaceId,
          messageId,
        ]);
        await sql.run(
          'UPDATE messages SET body = NULL, deleted_at = $3, deleted_by = $4 WHERE workspace_id = $1 AND id = $2',
          [workspaceId, messageId, now(), deletedBy],
        );
        return { message: await reread(sql, messageId), removedFiles };
      }),
    page: (channelId, before, limit) =>
      tx(async (sql) => {
        let beforePosition = Number.MAX_SAFE_INTEGER;
        if (before !== null) {
          const cursor = await positionIn(sql, before, channelId);
          if (cursor === undefined) return undefined;
          beforePosition = cursor.position;
        }
        const bounded = limitOf(limit);
        const rows = await sql.rows<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND channel_id = $2
             AND position < $3 AND deleted_at IS NULL ORDER BY position DESC LIMIT $4`,
          [workspaceId, channelId, beforePosition, bounded + 1],
        );
        const messages: StoredMessage[] = [];
        for (const row of rows.slice(0, bounded).reverse()) messages.push(await toMessage(sql, row));
        return { messages, hasMore: rows.length > bounded };
      }),
    markRead: (userId, channelId, messageId) =>
      tx(async (sql) => {
        const target = await positionIn(sql, messageId, channelId);
        if (target === undefined) return undefined;
        await sql.run(
          `INSERT INTO read_markers (workspace_id, user_id, channel_id, position, message_id, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (workspace_id, user_id, channel_id) DO UPDATE
             SET position = excluded.position, message_id = excluded.message_id, updated_at = excluded.updated_at
             WHERE excluded.position > read_markers.position`,
          [workspaceId, userId, channelId, target.position, messageId, now()],
        );
        return present(await sql.row<ChannelUnreadRecord>(UNREAD_ONE, [workspaceId, userId, channelId]), 'read marker');
      }),
    unread: (userId) => tx((sql) => sql.rows<ChannelUnreadRecord>(UNREAD_ALL, [workspaceId, userId])),
  };
}
