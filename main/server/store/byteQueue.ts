/**
 * Bytes that arrived in pieces, taken out again in runs of a chosen length without copying them: a run is a list of
 * views onto the pieces that were pushed. The blob cipher frames a stream of 16 KiB socket reads into 64 KiB chunks
 * with it; concatenating instead copied every byte once more and cost as much as the encryption itself.
 *
 * Pushed buffers are held, not copied, so a caller must not reuse a buffer after pushing it (streams never do).
 */
export class ByteQueue {
  private pieces: Buffer[] = [];
  private head = 0;
  private bytes = 0;

  get length(): number {
    return this.bytes;
  }

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.bytes += piece.length;
  }

  /** The next `count` bytes (at most what is queued) as views onto the queued pieces, in order. */
  take(count: number): Buffer[] {
    const run: Buffer[] = [];
    let wanted = Math.min(count, this.bytes);
    this.bytes -= wanted;
    while (wanted > 0) {
      const piece = this.pieces[this.head] as Buffer;
      if (piece.length <= wanted) {
        run.push(piece);
        wanted -= piece.length;
        this.head += 1;
      } else {
        run.push(piece.subarray(0, wanted));
        this.pieces[this.head] = piece.subarray(wanted);
        wanted = 0;
      }
    }
    // Drop the consumed slots now and then, so the array does not grow for the life of a long stream.
    if (this.head > 64 || this.head === this.pieces.length) {
      this.pieces = this.pieces.slice(this.head);
      this.head = 0;
    }
    return run;
  }

  /** The next `count` bytes as one buffer: a view when they lie in one piece, a copy only when they straddle two. */
  takeContiguous(count: number): Buffer {
    const run = this.take(count);
    return run.length === 1 ? (run[0] as Buffer) : Buffer.concat(run);
  }
}
