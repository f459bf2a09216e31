import { fail, ok, type Result } from '../../../shared/result';
import { present, referencing, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS, type FieldCodec } from './encryptedColumns';
import type { filesQueries } from './filesQueries';
import { newId } from './ids';
import { prepareScoped } from './scopedSql';
import type {
  ChannelUnreadRecord,
  MessageAuthorRecord,
  NewMessage,
  PostFailure,
  ScopedMessages,
  StoredFile,
  StoredMessage,
} from './types';

export interface MessageRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  position: number;
  author_kind: 'member' | 'input';
  author_id: string;
  author_name: string | null;
  reply_to: string | null;
  body: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  client_nonce: string | null;
}

export const MESSAGE_COLUMNS = `id, workspace_id, channel_id, position, author_kind, author_id, author_name, reply_to, body,
  created_at, edited_at, deleted_at, client_nonce`;

type Files = ReturnType<typeof filesQueries>;

/** Thrown inside a post's transaction to roll it back; turned into a failed Result outside it. */
export class PostRefused extends Error {
  constructor(readonly reason: PostFailure) {
    super(reason);
  }
}

export const postFailureMessages: Record<PostFailure, string> = {
  unknown_channel: 'The channel does not exist.',
  unknown_reply: 'The message replied to is not in this channel.',
  bad_attachment: 'An attachment is not a file you uploaded to this channel, or another message carries it.',
  duplicate_nonce: 'A message with this nonce was already posted.',
};

/** A post's nonce with its author: only members' posts carry one (an input has no app that retries). */
export function memberNonce(input: NewMessage): { authorId: string; nonce: string } | null {
  return input.author.kind === 'member' && input.nonce !== undefined
    ? { authorId: input.author.userId, nonce: input.nonce }
    : null;
}

/** The member's message with this nonce (the unique index messages_by_nonce makes it one at most). */
export const BY_NONCE_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages
  WHERE workspace_id = @workspaceId AND author_kind = 'member' AND author_id = @authorId AND client_nonce = @nonce`;

/** Timeline statements (messages, mentions, read markers), prepared once per store; `scoped` binds a workspace. */
/**
 * Unread and mention counts per channel, by position against the reader's marker, not counting their own messages.
 * Quoted aliases: PostgreSQL would fold them to lower case.
 */
export const UNREAD_SQL = `SELECT c.id AS "channelId", rm.message_id AS "lastReadMessageId",
    (SELECT count(*) FROM messages m WHERE m.workspace_id = @workspaceId AND m.channel_id = c.id
       AND m.position > coalesce(rm.position, 0) AND m.deleted_at IS NULL
       AND NOT (m.author_kind = 'member' AND m.author_id = @userId)) AS unread,
    (SELECT count(*) FROM message_mentions mm JOIN messages m ON m.id = mm.message_id
       WHERE mm.workspace_id = @workspaceId AND mm.user_id = @userId AND mm.channel_id = c.id
       AND mm.position > coalesce(rm.position, 0) AND m.deleted_at IS NULL
       AND NOT (m.author_kind = 'member' AND m.author_id = @userId)) AS mentions
  FROM channels c LEFT JOIN read_markers rm
    ON rm.workspace_id = c.workspace_id AND rm.channel_id = c.id AND rm.user_id = @userId
  WHERE c.workspace_id = @workspaceId`;

/** A message record from its row, its mentions and its attachments (none once deleted). */
export function messageRecord(
  row: MessageRow,
  fields: FieldCodec,
  mentions: readonly string[],
  attachments: readonly StoredFile[],
): StoredMessage {
  const author: MessageAuthorRecord =
    row.author_kind === 'member'
      ? { kind: 'member', userId: row.author_id }
      : { kind: 'input', inputId: row.author_id, name: row.author_name ?? '' };
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    position: row.position,
    author,
    replyTo: row.reply_to,
    body: row.body === null ? null : fields.open(ENCRYPTED_COLUMNS.messageBody, row.id, row.body).toString('utf8'),
    mentions,
    attachments,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    nonce: row.client_nonce,
  };
}

export function messagesQueries(context: StoreContext, files: Files) {
  const { db, now, fields } = context;
  const nextPosition = prepareScoped<{ workspaceId: string; channelId: string }, { position: number }>(
    db,
    `UPDATE channels SET last_message_position = last_message_position + 1
     WHERE workspace_id = @workspaceId AND id = @channelId RETURNING last_message_position AS position`,
  );
  const insert = prepareScoped<{
    workspaceId: string;
    id: string;
    channelId: string;
    position: number;
    authorKind: string;
    authorId: string;
    authorName: string | null;
    replyTo: string | null;
    body: string;
    now: number;
    nonce: string | null;
  }>(
    db,
    `INSERT INTO messages (id, workspace_id, channel_id, position, author_kind, author_id, author_name, reply_to, body,
       created_at, client_nonce) VALUES (@id, @workspaceId, @channelId, @position, @authorKind, @authorId,
       @authorName, @replyTo, @body, @now, @nonce)`,
  );
  const byNonce = prepareScoped<{ workspaceId: string; authorId: string; nonce: string }, MessageRow>(db, BY_NONCE_SQL);
  const get = prepareScoped<{ workspaceId: string; id: string }, MessageRow>(
    db,
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const inChannel = prepareScoped<{ workspaceId: string; id: string; channelId: string }, { position: number }>(
    db,
    'SELECT position FROM messages WHERE workspace_id = @workspaceId AND id = @id AND channel_id = @channelId',
  );
  const page = prepareScoped<{ workspaceId: string; channelId: string; before: number; limit: number }, MessageRow>(
    db,
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = @workspaceId AND channel_id = @channelId
       AND position < @before AND deleted_at IS NULL ORDER BY position DESC LIMIT @limit`,
  );
  const editBody = prepareScoped<{ workspaceId: string; id: string; body: string; now: number }>(
    db,
    `UPDATE messages SET body = @body, edited_at = @now
     WHERE workspace_id = @workspaceId AND id = @id AND deleted_at IS NULL`,
  );
  const tombstone = prepareScoped<{ workspaceId: string; id: string; by: string; now: number }>(
    db,
    `UPDATE messages SET body = NULL, deleted_at = @now, deleted_by = @by
     WHERE workspace_id = @workspaceId AND id = @id AND deleted_at IS NULL`,
  );
  const insertMention = prepareScoped<{
    workspaceId: string;
    messageId: string;
    channelId: string;
    position: number;
    userId: string;
  }>(
    db,
    `INSERT OR IGNORE INTO message_mentions (workspace_id, message_id, channel_id, position, user_id)
     VALUES (@workspaceId, @messageId, @channelId, @position, @userId)`,
  );
  const mentionsOf = prepareScoped<{ workspaceId: string; messageId: string }, { user_id: string }>(
    db,
    'SELECT user_id FROM message_mentions WHERE workspace_id = @workspaceId AND message_id = @messageId ORDER BY user_id',
  );
  const clearMentions = prepareScoped<{ workspaceId: string; messageId: string }>(
    db,
    'DELETE FROM message_mentions WHERE workspace_id = @workspaceId AND message_id = @messageId',
  );
  const upsertMarker = prepareScoped<{
    workspaceId: string;
    userId: string;
    channelId: string;
    position: number;
    messageId: string;
    now: number;
  }>(
    db,
    `INSERT INTO read_markers (workspace_id, user_id, channel_id, position, message_id, updated_at)
     VALUES (@workspaceId, @userId, @channelId, @position, @messageId, @now)
     ON CONFLICT (workspace_id, user_id, channel_id) DO UPDATE
       SET position = excluded.position, message_id = excluded.message_id, updated_at = excluded.updated_at
       WHERE excluded.position > read_markers.position`,
  );
  const unreadAll = prepareScoped<{ workspaceId: string; userId: string }, ChannelUnreadRecord>(
    db,
    `${UNREAD_SQL} ORDER BY c.created_at, c.id`,
  );
  const unreadOne = prepareScoped<{ workspaceId: string; userId: string; channelId: string }, ChannelUnreadRecord>(
    db,
    `${UNREAD_SQL} AND c.id = @channelId`,
  );

  const toMessage = (row: MessageRow): StoredMessage =>
    messageRecord(
      row,
      fields,
      mentionsOf.all({ workspaceId: row.workspace_id, messageId: row.id }).map((m) => m.user_id),
      row.deleted_at === null ? files.byMessage(row.workspace_id, row.id) : [],
    );

  const sealBody = (id: string, body: string) => fields.seal(ENCRYPTED_COLUMNS.messageBody, id, Buffer.from(body));

  const post = db.transaction((workspaceId: string, input: Parameters<ScopedMessages['post']>[0]): StoredMessage => {
    const nonce = memberNonce(input);
    // An immediate transaction: no other writer can take the nonce between this look and the insert.
    if (nonce !== null && byNonce.get({ workspaceId, authorId: nonce.authorId, nonce: nonce.nonce }) !== undefined) {
      throw new PostRefused('duplicate_nonce');
    }
    const position = nextPosition.get({ workspaceId, channelId: input.channelId })?.position;
    if (position === undefined) throw new PostRefused('unknown_channel');
    if (input.replyTo !== undefined) {
      if (inChannel.get({ workspaceId, id: input.replyTo, channelId: input.channelId }) === undefined) {
        throw new PostRefused('unknown_reply');
      }
    }
    const id = newId(now());
    const { author } = input;
    referencing('the message', () =>
      insert.run({
        workspaceId,
        id,
        channelId: input.channelId,
        position,
        authorKind: author.kind,
        authorId: author.kind === 'member' ? author.userId : author.inputId,
        authorName: author.kind === 'input' ? author.name : null,
        replyTo: input.replyTo ?? null,
        body: sealBody(id, input.body),
        now: now(),
        nonce: nonce?.nonce ?? null,
      }),
    );
    for (const userId of input.mentions) {
      insertMention.run({ workspaceId, messageId: id, channelId: input.channelId, position, userId });
    }
    if (input.attachments.length > 0) {
      if (author.kind !== 'member') throw new PostRefused('bad_attachment');
      for (const fileId of input.attachments) {
        const attached = files.attach.run({
          workspaceId,
          id: fileId,
          channelId: input.channelId,
          uploaderId: author.userId,
          messageId: id,
        });
        if (attached.changes !== 1) throw new PostRefused('bad_attachment');
      }
    }
    return toMessage(present(get.get({ workspaceId, id }), 'message'));
  });

  const remove = db.transaction((workspaceId: string, messageId: string, deletedBy: string) => {
    const before = get.get({ workspaceId, id: messageId });
    if (before === undefined || before.deleted_at !== null) return undefined;
    const removedFiles: StoredFile[] = files.byMessage(workspaceId, messageId);
    files.deleteRows(workspaceId, removedFiles);
    clearMentions.run({ workspaceId, messageId });
    tombstone.run({ workspaceId, id: messageId, by: deletedBy, now: now() });
    return { message: toMessage(present(get.get({ workspaceId, id: messageId }), 'message')), removedFiles };
  });

  const edit = db.transaction(
    (workspaceId: string, messageId: string, body: string, mentions: readonly string[]): StoredMessage | undefined => {
      const row = get.get({ workspaceId, id: messageId });
      if (row === undefined || row.deleted_at !== null) return undefined;
      editBody.run({ workspaceId, id: messageId, body: sealBody(messageId, body), now: now() });
      clearMentions.run({ workspaceId, messageId });
      for (const userId of mentions) {
        insertMention.run({ workspaceId, messageId, channelId: row.channel_id, position: row.position, userId });
      }
      return toMessage(present(get.get({ workspaceId, id: messageId }), 'message'));
    },
  );

  const markRead = db.transaction((workspaceId: string, userId: string, channelId: string, messageId: string) => {
    const target = inChannel.get({ workspaceId, id: messageId, channelId });
    if (target === undefined) return undefined;
    upsertMarker.run({ workspaceId, userId, channelId, position: target.position, messageId, now: now() });
    return present(unreadOne.get({ workspaceId, userId, channelId }), 'read marker');
  });

  return {
    scoped(workspaceId: string): ScopedMessages {
      return {
        async post(input): Promise<Result<StoredMessage>> {
          try {
            return ok(post.immediate(workspaceId, input));
          } catch (error) {
            if (error instanceof PostRefused) return fail(error.reason, postFailureMessages[error.reason]);
            throw error;
          }
        },
        async get(messageId) {
          const row = get.get({ workspaceId, id: messageId });
          return row && toMessage(row);
        },
        async byNonce(authorUserId, nonce) {
          const row = byNonce.get({ workspaceId, authorId: authorUserId, nonce });
          return row && toMessage(row);
        },
        async edit(messageId, body, mentions) {
          return edit.immediate(workspaceId, messageId, body, mentions);
        },
        async delete(messageId, deletedBy) {
          const removed = remove.immediate(workspaceId, messageId, deletedBy);
          if (removed !== undefined) await files.removeBlobs(removed.removedFiles);
          return removed;
        },
        async page(channelId, before, limit) {
          let beforePosition = Number.MAX_SAFE_INTEGER;
          if (before !== null) {
            const cursor = inChannel.get({ workspaceId, id: before, channelId });
            if (cursor === undefined) return undefined;
            beforePosition = cursor.position;
          }
          const bounded = Math.max(0, Math.trunc(limit));
          const rows = page.all({ workspaceId, channelId, before: beforePosition, limit: bounded + 1 });
          return { messages: rows.slice(0, bounded).reverse().map(toMessage), hasMore: rows.length > bounded };
        },
        async markRead(userId, channelId, messageId) {
          return markRead.immediate(workspaceId, userId, channelId, messageId);
        },
        async unread(userId) {
          return unreadAll.all({ workspaceId, userId });
        },
      };
    },
  };
}
