import { z } from 'zod';
import { randomIdSchema } from './identifiers';
import { replaceUnsafeCharacters } from './plainText';

/**
 * The channel timeline's contract: message bodies, authors, attachments and read markers, shared by the server
 * that stores them, the REST and WSS contracts that carry them and the renderer that shows them.
 */

/** Characters (code points) in one message body. */
export const MESSAGE_MAX_CHARS = 4000;
/** Files one message may carry. */
export const MESSAGE_MAX_ATTACHMENTS = 10;
/** Messages in one history page. */
export const HISTORY_PAGE_MAX = 100;
/** Members one message may mention; more would be a broadcast, not a mention. */
export const MESSAGE_MAX_MENTIONS = 50;
/** A stored file name, in code points, after sanitizing. */
export const FILE_NAME_MAX_CHARS = 200;

/**
 * Control characters other than tab and line feed, lone surrogates, and the bidi embedding, override and isolate
 * controls (U+202A–U+202E, U+2066–U+2069): an override in one message would reorder what follows it on screen, so
 * a body carrying one is refused rather than silently changed.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_BODY_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]|\p{Cs}/u;

const codePoints = (text: string): number => [...text].length;

/** A message body as sent: CRLF and lone CR become LF first, so every client sees the same line breaks. */
export const messageBodySchema = z
  .string()
  .max(MESSAGE_MAX_CHARS * 2)
  .transform((text) => text.replace(/\r\n?/g, '\n'))
  .refine((text) => codePoints(text) <= MESSAGE_MAX_CHARS, `must be at most ${MESSAGE_MAX_CHARS} characters`)
  .refine((text) => !FORBIDDEN_BODY_CHARACTERS.test(text), 'must not contain control or bidi override characters');

/** A body that says something: what a message without attachments needs. */
export const nonEmptyMessageBodySchema = messageBodySchema.refine((text) => text.trim() !== '', 'must not be empty');

/** Who wrote a message: a member of the workspace, or an inbound webhook input (named by whoever set it up). */
export const messageAuthorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('member'), userId: randomIdSchema }),
  z.strictObject({ kind: z.literal('input'), inputId: randomIdSchema, name: z.string().min(1).max(64) }),
]);
export type MessageAuthor = z.output<typeof messageAuthorSchema>;

/** The content types the server recognises from a file's bytes; anything else is stored as octet-stream. */
export const fileContentTypeSchema = z.enum([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'application/zip',
  'text/plain; charset=utf-8',
  'application/octet-stream',
]);
export type FileContentType = z.output<typeof fileContentTypeSchema>;

/** Content types the renderer may decode into a preview (from bytes it fetched, shown as a blob: URL). */
export const PREVIEWABLE_IMAGE_TYPES: readonly FileContentType[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
];

export const storedFileNameSchema = z
  .string()
  .min(1)
  .max(FILE_NAME_MAX_CHARS * 2);

export const fileSummarySchema = z.strictObject({
  id: randomIdSchema,
  channelId: randomIdSchema,
  /** Sanitized on upload: no path parts, control or formatting characters. */
  name: storedFileNameSchema,
  contentType: fileContentTypeSchema,
  size: z.number().int().min(0),
  uploaderId: randomIdSchema,
  createdAt: z.number().int().min(0),
});
export type FileSummary = z.output<typeof fileSummarySchema>;

export const timelineMessageSchema = z.strictObject({
  id: randomIdSchema,
  workspaceId: randomIdSchema,
  channelId: randomIdSchema,
  author: messageAuthorSchema,
  body: messageBodySchema,
  /** Unix milliseconds. */
  createdAt: z.number().int().min(0),
  editedAt: z.number().int().min(0).nullable(),
  replyTo: randomIdSchema.nullable(),
  /** Members the body mentions, resolved by the server from `@name`. */
  mentions: z.array(randomIdSchema).max(MESSAGE_MAX_MENTIONS),
  attachments: z.array(fileSummarySchema).max(MESSAGE_MAX_ATTACHMENTS),
  /**
   * The id its author's app gave the post (`postMessageBodySchema.nonce`), when it gave one: how that app knows a
   * message arriving as an event is the one it still shows as sending. Random, and meaningless to anyone else.
   */
  nonce: randomIdSchema.optional(),
});
export type TimelineMessage = z.output<typeof timelineMessageSchema>;

/** What a member posts. A message without attachments needs a body; one with attachments may leave it empty. */
export const postMessageBodySchema = z
  .strictObject({
    body: messageBodySchema,
    replyTo: randomIdSchema.optional(),
    attachments: z.array(randomIdSchema).max(MESSAGE_MAX_ATTACHMENTS).default([]),
    /**
     * A random id the app makes once per message and sends with every attempt: the server keeps the first post
     * with it (per author and workspace) and answers a repeat with that message, so a retry after a lost answer
     * never posts twice.
     */
    nonce: randomIdSchema.optional(),
  })
  .refine((post) => post.body.trim() !== '' || post.attachments.length > 0, {
    message: 'a message needs a body or an attachment',
    path: ['body'],
  })
  .refine((post) => new Set(post.attachments).size === post.attachments.length, {
    message: 'must not name a file twice',
    path: ['attachments'],
  });

export const editMessageBodySchema = z.strictObject({ body: nonEmptyMessageBodySchema });

export const historyPageSchema = z.strictObject({
  messages: z.array(timelineMessageSchema).max(HISTORY_PAGE_MAX),
  /** Older messages exist before the first one of this page. */
  hasMore: z.boolean(),
});
export type HistoryPage = z.output<typeof historyPageSchema>;

export const channelUnreadSchema = z.strictObject({
  channelId: randomIdSchema,
  /** Messages by others after the read marker. */
  unread: z.number().int().min(0),
  /** Of those, the ones that mention the reader. */
  mentions: z.number().int().min(0),
  lastReadMessageId: randomIdSchema.nullable(),
});
export type ChannelUnread = z.output<typeof channelUnreadSchema>;

export const readMarkerSchema = z.strictObject({
  channelId: randomIdSchema,
  lastReadMessageId: randomIdSchema,
});

// ---- mentions -------------------------------------------------------------------------------------------------

export interface MentionCandidate {
  readonly userId: string;
  readonly displayName: string;
}

export interface MentionMatch {
  readonly userId: string;
  /** UTF-16 offsets of the whole `@name`, for highlighting. */
  readonly start: number;
  readonly end: number;
}

const WORD_CHARACTER = /[\p{L}\p{N}_]/u;

/**
 * The `@name` mentions in a body: an `@` at the start or after a non-word character, followed by a member's display
 * name (case-insensitive, the longest that fits, so "@Ada Lovelace" beats "@Ada") that does not run on into a
 * word. The server resolves mentions with this and the renderer highlights with it, so both agree.
 */
export function findMentions(body: string, members: readonly MentionCandidate[]): MentionMatch[] {
  const byLength = [...members]
    .filter((member) => member.displayName.length > 0)
    .sort((a, b) => b.displayName.length - a.displayName.length);
  const matches: MentionMatch[] = [];
  const lower = body.toLowerCase();
  for (let at = body.indexOf('@'); at !== -1; at = body.indexOf('@', at + 1)) {
    if (at > 0 && WORD_CHARACTER.test(body[at - 1] ?? '')) continue;
    for (const member of byLength) {
      const name = member.displayName.toLowerCase();
      // toLowerCase keeps UTF-16 lengths for everything but a few special cases; those simply do not match.
      if (lower.startsWith(name, at + 1) && !WORD_CHARACTER.test(body[at + 1 + name.length] ?? '')) {
        matches.push({ userId: member.userId, start: at, end: at + 1 + name.length });
        at += name.length;
        break;
      }
    }
  }
  return matches;
}

/** The distinct user ids a body mentions, in order of first mention, capped at MESSAGE_MAX_MENTIONS. */
export function mentionedUserIds(body: string, members: readonly MentionCandidate[]): string[] {
  return [...new Set(findMentions(body, members).map((match) => match.userId))].slice(0, MESSAGE_MAX_MENTIONS);
}

// ---- file names -----------------------------------------------------------------------------------------------

/** Characters Windows, macOS or a shell would read as more than a letter. */
const RESERVED_NAME_CHARACTERS = /[<>:"|?*]/g;

/**
 * The name a file is stored and offered under: the last path part only (either separator), without control,
 * formatting or bidi characters, without Windows-reserved characters, leading dots or trailing dots and spaces,
 * at most FILE_NAME_MAX_CHARS code points (keeping the extension), and "file" when nothing is left.
 */
export function sanitizeFileName(raw: string): string {
  const lastPart = raw.split(/[/\\]/).pop() ?? '';
  let name = replaceUnsafeCharacters(lastPart.normalize('NFC'), () => '')
    .replace(RESERVED_NAME_CHARACTERS, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (codePoints(name) > FILE_NAME_MAX_CHARS) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && codePoints(name.slice(dot)) <= 16 ? name.slice(dot) : '';
    const stem = [...name.slice(0, extension === '' ? name.length : dot)];
    name = stem.slice(0, FILE_NAME_MAX_CHARS - codePoints(extension)).join('') + extension;
  }
  // Device names mean a device, not a file, to Windows whatever the extension.
  if (/^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.|$)/i.test(name)) name = `_${name}`;
  return name === '' ? 'file' : name;
}

// ---- uploads --------------------------------------------------------------------------------------------------

/** The header that carries an upload's manifest, base64url-encoded JSON; its bytes are what the request signs. */
export const UPLOAD_MANIFEST_HEADER = 'x-whoot-upload';

/**
 * What an upload declares before its first byte: the name, the exact size, the SHA-256 of the whole content and
 * the content type the sender detected. A streamed body cannot be hashed before it is sent, so the signature
 * covers this manifest instead, and the server checks size and hash against the bytes after streaming them
 * (deleting what it wrote when they differ). See docs/chat.md, "Signed uploads".
 */
export const uploadManifestSchema = z.strictObject({
  name: z.string().min(1).max(1024),
  size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256'),
  contentType: fileContentTypeSchema,
});
export type UploadManifest = z.output<typeof uploadManifestSchema>;

/** Bytes of a file's start that content detection looks at. */
export const SNIFF_BYTES = 4096;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);

const ascii = (text: string): number[] => [...text].map((character) => character.charCodeAt(0));

/**
 * Whether `bytes` is UTF-8 text: well-formed sequences (a sequence cut off by the end of the sample is allowed),
 * no NUL and no C0 control other than tab, line feed, form feed and carriage return.
 */
function looksLikeUtf8Text(bytes: Uint8Array): boolean {
  for (let index = 0; index < bytes.length;) {
    const lead = bytes[index] ?? 0;
    if (lead < 0x80) {
      if (lead < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(lead)) return false;
      if (lead === 0x7f) return false;
      index += 1;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return false;
    for (let next = 1; next < length; next += 1) {
      const byte = bytes[index + next];
      if (byte === undefined) return true;
      if ((byte & 0xc0) !== 0x80) return false;
    }
    const second = bytes[index + 1] ?? 0x80;
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f)) return false;
    if ((lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) return false;
    index += length;
  }
  return true;
}

/**
 * The content type of a file, from its first bytes (SNIFF_BYTES are enough), never from its name or a claim.
 * Markup (HTML, SVG, XML) is text like any other: nothing downloaded is ever rendered as a document.
 */
export function sniffContentType(head: Uint8Array): FileContentType {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(head, ascii('%PDF-'))) return 'application/pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return 'application/zip';
  }
  if (head.length > 0 && looksLikeUtf8Text(head.subarray(0, SNIFF_BYTES))) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
