import { sanitizeFileName } from '../../../shared/chat';
import { randomIdSchema } from '../../../shared/identifiers';
import { attachmentDisposition } from '../files/contentDisposition';
import { UploadInspector } from '../files/uploadInspector';
import { HttpError } from '../http/httpError';
import { fileSummary } from '../timeline/messageDto';
import { answering, chatActor, perChannelLimiter } from './chatHandlers';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound } from './membership';

type FileHandlers = Pick<EndpointHandlers, 'uploadFile' | 'getFile' | 'downloadFile' | 'deleteFile'>;

/**
 * Files in channel timelines: a streaming upload (encrypted chunk by chunk as it arrives, checked against its
 * signed manifest, nothing left behind when refused or cut off), metadata, a streaming decrypting download for
 * members only, and removal by the uploader or a moderator (blob deleted).
 */
export function fileHandlers(deps: ApiDeps): FileHandlers {
  const { store, config } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';
  const chargeUpload = perChannelLimiter(deps, 'chat-uploads', config.chat.uploads);

  async function memberFile(workspaceId: string, userId: string, fileId: string) {
    const actor = await chatActor(deps, workspaceId, userId);
    if (!randomIdSchema.safeParse(fileId).success) throw notFound();
    const file = await store.forWorkspace(workspaceId).files.get(fileId);
    if (file === undefined) throw notFound();
    return { actor, file };
  }

  return {
    async uploadFile({ session, params, body: manifest, request }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      const channelId = param(params, 'channelId');
      const scope = store.forWorkspace(actor.workspaceId);
      if (!randomIdSchema.safeParse(channelId).success || (await scope.channels.get(channelId)) === undefined) {
        throw notFound();
      }
      await chargeUpload(session.userId, channelId);
      if (Number(request.headers['content-length']) !== manifest.size) {
        throw new HttpError(400, 'size_mismatch', 'Content-Length must equal the size the manifest declares.');
      }
      if ((await scope.files.usedBytes()) + manifest.size > config.chat.workspaceQuotaBytes) {
        throw new HttpError(413, 'quota_exceeded', 'The workspace has no room for this file.');
      }
      const upload = scope.files.startUpload({
        channelId,
        uploaderId: session.userId,
        name: sanitizeFileName(manifest.name),
        contentType: manifest.contentType,
      });
      const inspector = new UploadInspector(manifest);
      // A connection cut midway ends the request without an 'end': that must fail the stream, not stall it.
      request.once('close', () => {
        if (!request.complete) inspector.destroy(new HttpError(400, 'truncated_upload', 'The upload was cut off.'));
      });
      request.once('error', (error) => inspector.destroy(error));
      // writeFrom's pipeline reports the stream's failure; this keeps a second, late one from going unhandled.
      inspector.on('error', () => undefined);
      // writeFrom deletes its part file when the stream fails: a refused or cut-off upload leaves nothing.
      const written = await upload.writeFrom(request.pipe(inspector));
      if (inspector.result === undefined || written.size !== inspector.result.size) {
        await upload.abort();
        throw new HttpError(400, 'truncated_upload', 'The upload ended before its declared size.');
      }
      if (written.sha256 !== manifest.sha256) {
        await upload.abort();
        throw new HttpError(400, 'content_mismatch', 'The upload does not match the SHA-256 its request signed.');
      }
      const committed = await upload.commit(written.size, config.chat.workspaceQuotaBytes);
      if (!committed.ok) {
        if (committed.error.code === 'unknown_channel') throw notFound();
        throw new HttpError(413, 'quota_exceeded', committed.error.message);
      }
      return { status: 201, body: { file: fileSummary(committed.value) } };
    },

    async getFile({ session, params }) {
      const { file } = await memberFile(param(params, 'workspaceId'), session.userId, param(params, 'fileId'));
      return { status: 200, body: { file: fileSummary(file) } };
    },

    async downloadFile({ session, params }) {
      const { actor } = await memberFile(param(params, 'workspaceId'), session.userId, param(params, 'fileId'));
      const opened = await store.forWorkspace(actor.workspaceId).files.open(param(params, 'fileId'));
      if (opened === undefined) throw notFound();
      const { file, content } = opened;
      return {
        status: 200,
        stream: content,
        headers: {
          // Served as what the bytes are, never rendered in place: attachment, nosniff and a sandboxing CSP.
          'content-type': file.contentType,
          'content-length': String(file.size),
          'content-disposition': attachmentDisposition(file.name),
        },
      };
    },

    async deleteFile({ session, params }) {
      const actor = await chatActor(deps, param(params, 'workspaceId'), session.userId);
      await answering(() => deps.timeline.removeFile(actor, param(params, 'fileId')));
      return { status: 204 };
    },
  };
}
