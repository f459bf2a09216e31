import type { FileSummary, FileContentType, TimelineMessage } from '../../../shared/chat';
import type { StoredFile, StoredMessage } from '../store';

/** A stored file as clients see it: no key id, no message link (the message that carries it says so). */
export function fileSummary(file: StoredFile): FileSummary {
  return {
    id: file.id,
    channelId: file.channelId,
    name: file.name,
    // Only sniffed types are ever stored (files/contentSniffing), so the cast restates what the upload checked.
    contentType: file.contentType as FileContentType,
    size: file.size,
    uploaderId: file.uploaderId,
    createdAt: file.createdAt,
  };
}

/** A live message as the REST and WSS contracts carry it; tombstones are never sent, only their deletion. */
export function timelineMessage(message: StoredMessage): TimelineMessage {
  if (message.body === null) throw new Error('a deleted message has no client form');
  return {
    id: message.id,
    workspaceId: message.workspaceId,
    channelId: message.channelId,
    author: message.author,
    body: message.body,
    createdAt: message.createdAt,
    editedAt: message.editedAt,
    replyTo: message.replyTo,
    mentions: [...message.mentions],
    attachments: message.attachments.map(fileSummary),
    ...(message.nonce === null ? {} : { nonce: message.nonce }),
  };
}
