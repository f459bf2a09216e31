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
        const id = newId(now());
        await tx(async (sql) => {
          const nonce = memberNonce(input);
          if (nonce !== null && (await sql.row(BY_NONCE, [workspaceId, nonce.authorId, nonce.nonce])) !== undefined) {
            throw new PostRefused('duplicate_nonce');
          }
          if (input.replyTo !== undefined && (await positionIn(sql, input.replyTo, input.channelId)) === undefined) {
            throw new PostRefused('unknown_reply');
          }
          const { author } = input;
          if (input.attachments.length > 0 && author.kind !== 'member') throw new PostRefused('bad_attachment');
          // The channel row's counter, as events use the workspace row's: its lock orders concurrent posts. It is
          // taken in the transaction's last statement, which also stores the message, its mentions and its
          // attachments, so the lock is held for that statement and the commit, not for every round trip before.
          // (Foreign keys are checked at the end of the statement, when the message row is there.)
          const stored = await referencingPg(
            'the message',
            sql.row<{ position: number | null; attached: number }>(
              `WITH next AS (
                 UPDATE channels SET last_message_position = last_message_position + 1
                 WHERE workspace_id = $1 AND id = $3 RETURNING last_message_position AS position
               ), message AS (
                 INSERT INTO messages (workspace_id, id, channel_id, position, author_kind, author_id, author_name,
                   reply_to, body, created_at, client_nonce)
                 SELECT $1::text, $2::text, $3::text, next.position, $4::text, $5::text, $6::text, $7::text, $8::text,
                   $9::bigint, $10::text FROM next
                 RETURNING position
               ), mentioned AS (
                 INSERT INTO message_mentions (workspace_id, message_id, channel_id, position, user_id)
                 SELECT $1::text, $2::text, $3::text, message.position, user_id FROM message, unnest($11::text[]) AS user_id
                 ON CONFLICT DO NOTHING
               ), attached AS (
                 UPDATE files SET message_id = $2 FROM message
                 WHERE files.workspace_id = $1 AND files.id = ANY($12::text[]) AND files.channel_id = $3
                   AND files.uploader_id = $5 AND files.message_id IS NULL
                 RETURNING files.id
               )
               SELECT (SELECT position FROM message) AS position, (SELECT count(*) FROM attached)::int AS attached`,
              [
                workspaceId,
                id,
                input.channelId,
                author.kind,
                author.kind === 'member' ? author.userId : author.inputId,
                author.kind === 'input' ? author.name : null,
                input.replyTo ?? null,
                sealBody(id, input.body),
                now(),
                nonce?.nonce ?? null,
                input.mentions,
                input.attachments,
              ],
            ),
          );
          if (stored?.position === null || stored?.position === undefined) throw new PostRefused('unknown_channel');
          // A file named twice is attached once, so it counts short, as a file that is not the author's to attach.
          if (stored.attached !== input.attachments.length) throw new PostRefused('bad_attachment');
        });
        // Read back once committed, outside the channel's lock.
        return ok(await tx((sql) => reread(sql, id)));
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
