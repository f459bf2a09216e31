import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** What a store wrote for an upload: the plaintext's size and SHA-256 (hex), taken as the bytes went by. */
export interface WrittenBlob {
  readonly size: number;
  readonly sha256: string;
}

/** Passes bytes through and takes their size and SHA-256 on the way; `result` is set once the stream ended. */
export class PlaintextDigest extends Transform {
  result: WrittenBlob | undefined;
  private readonly hash = createHash('sha256');
  private size = 0;

  constructor() {
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = { size: this.size, sha256: this.hash.digest('hex') };
    done();
  }
}
