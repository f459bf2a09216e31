import { Transform, type TransformCallback } from 'node:stream';
import { SNIFF_BYTES, sniffContentType, type UploadManifest } from '../../../shared/chat';
import { HttpError } from '../http/httpError';

export interface InspectedUpload {
  readonly size: number;
}

/**
 * Passes an upload's bytes through while checking them against its signed manifest: the type detected from the
 * first SNIFF_BYTES must be the one claimed (415), no more bytes than declared may arrive (413), and at the end the
 * size must match (400). A refusal fails the stream, which makes the blob writer delete what it wrote; `result` is
 * set only when every check passed. The SHA-256 is the store's to take (it hashes off the JS thread where it can):
 * the handler compares what the store wrote with the manifest before it commits anything.
 */
export class UploadInspector extends Transform {
  result: InspectedUpload | undefined;
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
    this.result = { size: this.size };
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
