import type { FileContentType, FileSummary } from '../../shared/chat';
import type { WhootApi } from '../../shared/ipc';
import { fail, ok, type Result } from '../../shared/result';

/** Base64 of a chunk, built in slices: String.fromCharCode on a whole chunk would overflow the call stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Sends a dropped or pasted file to a channel through main, one bounded chunk at a time (read from the File as it
 * goes, never whole), reporting the bytes sent so far. The server checks the type from the bytes, not the name.
 */
export async function uploadFile(
  api: WhootApi,
  target: { readonly workspaceId: string; readonly channelId: string },
  file: Blob & { readonly name: string },
  onProgress: (sent: number) => void,
  cancelled: () => boolean = () => false,
): Promise<Result<FileSummary>> {
  if (file.size === 0) return fail('empty_file', 'An empty file cannot be shared.');
  const begun = await api.files.uploadBegin({ ...target, name: file.name || 'file', size: file.size });
  if (!begun.ok) return begun;
  const { uploadId, chunkBytes } = begun.value;
  for (let offset = 0; offset < file.size; offset += chunkBytes) {
    if (cancelled()) {
      await api.files.uploadCancel({ uploadId });
      return fail('cancelled', 'The upload was cancelled.');
    }
    const bytes = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
    const sent = await api.files.uploadChunk({ uploadId, data: toBase64(bytes) });
    if (!sent.ok) return sent;
    onProgress(sent.value.received);
  }
  const finished = await api.files.uploadFinish({ uploadId });
  return finished.ok ? ok(finished.value.file) : finished;
}

/** A file's bytes, pulled chunk by chunk through main; refused past `maxBytes` (previews stay small). */
export async function downloadBytes(
  api: WhootApi,
  target: { readonly workspaceId: string; readonly fileId: string },
  maxBytes: number,
): Promise<Result<{ bytes: Uint8Array; contentType: FileContentType }>> {
  const begun = await api.files.downloadBegin(target);
  if (!begun.ok) return begun;
  const { downloadId, size, contentType } = begun.value;
  if (size > maxBytes) {
    await api.files.downloadCancel({ downloadId });
    return fail('too_large', 'This file is too large to show here.');
  }
  const bytes = new Uint8Array(size);
  let filled = 0;
  for (;;) {
    const chunk = await api.files.downloadChunk({ downloadId });
    if (!chunk.ok) return chunk;
    const part = fromBase64(chunk.value.data);
    if (filled + part.length > size) {
      await api.files.downloadCancel({ downloadId });
      return fail('bad_download', 'The file is longer than the server said.');
    }
    bytes.set(part, filled);
    filled += part.length;
    if (chunk.value.done) break;
  }
  return filled === size ? ok({ bytes, contentType }) : fail('bad_download', 'The file arrived incomplete.');
}
