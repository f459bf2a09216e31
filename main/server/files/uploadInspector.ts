import { createHash } from 'node:crypto';
import { SNIFF_BYTES, sniffContentType, type UploadManifest } from '../../../shared/chat';
import { HttpError } from '../http/httpError';

export interface InspectedUpload {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Passes an upload's bytes through while checking them against its signed manifest: the type detected from the
 * first SNIFF_BYTES must be the one claimed (415), no more bytes than declared may arrive (413), and at the end
 * size and SHA-256 must match (400). Any refusal throws, which makes the blob writer delete what it wrote.
 */
export async function* inspectUpload(
  source: AsyncIterable<Buffer>,
  manifest: UploadManifest,
  result: { done?: InspectedUpload },
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let sniffed = false;
  const checkType = () => {
    sniffed = true;
    const detected = sniffContentType(new Uint8Array(Buffer.concat(head)));
    head = [];
    if (detected !== manifest.contentType) {
      throw new HttpError(415, 'content_type_mismatch', 'The file content does not match its declared type.');
    }
  };
  for await (const chunk of source) {
    size += chunk.length;
    if (size > manifest.size) {
      throw new HttpError(413, 'payload_too_large', 'The upload is larger than its manifest says.');
    }
    hash.update(chunk);
    if (!sniffed) {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= SNIFF_BYTES) checkType();
    }
    yield chunk;
  }
  if (!sniffed) checkType();
  if (size !== manifest.size)
    throw new HttpError(400, 'truncated_upload', 'The upload ended before its declared size.');
  const sha256 = hash.digest('hex');
  if (sha256 !== manifest.sha256) {
    throw new HttpError(400, 'content_mismatch', 'The upload does not match the SHA-256 its request signed.');
  }
  result.done = { size, sha256 };
}
