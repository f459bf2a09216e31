import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SNIFF_BYTES, sniffContentType, type UploadManifest } from '../../../shared/chat';
import { HttpError } from '../http/httpError';

export interface InspectedUpload {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Passes an upload's bytes through while checking them against its signed manifest: the type detected from the
 * first SNIFF_BYTES must be the one claimed (415), no more bytes than declared may arrive (413), and at the end
 * size and SHA-256 must match (400). A refusal fails the stream, which makes the blob writer delete what it wrote;
 * `result` is set only when every check passed.
 */
export class UploadInspector extends Transform {
  result: InspectedUpload | undefined;
  private readonly hash = createHash('sha256');
  private size = 0;
  private head: Buffer[] | undefined = [];
  private headBytes = 0;

  constructor(private readonly manifest: UploadManifest) {
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.manifest.size) {
      return done(new HttpError(413, 'payload_too_large', 'The upload is larger than its manifest says.'));
    }
    this.hash.update(chunk);
    if (this.head !== undefined) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= SNIFF_BYTES) {
        const refusal = this.checkType();
        if (refusal) return done(refusal);
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const refusal = this.head === undefined ? undefined : this.checkType();
    if (refusal) return done(refusal);
    if (this.size !== this.manifest.size) {
      return done(new HttpError(400, 'truncated_upload', 'The upload ended before its declared size.'));
    }
    const sha256 = this.hash.digest('hex');
    if (sha256 !== this.manifest.sha256) {
      return done(new HttpError(400, 'content_mismatch', 'The upload does not match the SHA-256 its request signed.'));
    }
    this.result = { size: this.size, sha256 };
    done();
  }

  private checkType(): HttpError | undefined {
    const detected = sniffContentType(new Uint8Array(Buffer.concat(this.head ?? [])));
    this.head = undefined;
    return detected === this.manifest.contentType
      ? undefined
      : new HttpError(415, 'content_type_mismatch', 'The file content does not match its declared type.');
  }
}
