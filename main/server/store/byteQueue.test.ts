import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from './byteQueue';

describe('ByteQueue', () => {
  it('takes runs across piece boundaries as views onto the pushed pieces, not copies', () => {
    const a = randomBytes(10);
    const b = randomBytes(10);
    const queue = new ByteQueue();
    queue.push(a);
    queue.push(Buffer.alloc(0));
    queue.push(b);
    expect(queue.length).toBe(20);
    const run = queue.take(15);
    expect(Buffer.concat(run).equals(Buffer.concat([a, b.subarray(0, 5)]))).toBe(true);
    expect(run.map((piece) => piece.buffer)).toEqual([a.buffer, b.buffer]);
    expect(queue.length).toBe(5);
    expect(queue.takeContiguous(5).equals(b.subarray(5))).toBe(true);
    expect(queue.length).toBe(0);
    expect(queue.take(3)).toEqual([]);
  });

  it('copies for a contiguous run only when it straddles pieces', () => {
    const a = randomBytes(8);
    const b = randomBytes(8);
    const queue = new ByteQueue();
    queue.push(a);
    queue.push(b);
    const inside = queue.takeContiguous(4);
    expect(inside.buffer).toBe(a.buffer);
    const straddling = queue.takeContiguous(8);
    expect(straddling.equals(Buffer.concat([a.subarray(4), b.subarray(0, 4)]))).toBe(true);
    expect(straddling.buffer).not.toBe(a.buffer);
  });

  it('gives back exactly the bytes pushed, in order, for any pieces and any takes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 50 }),
        (pieces, takes) => {
          const queue = new ByteQueue();
          const out: Buffer[] = [];
          let pushed = 0;
          pieces.forEach((piece, index) => {
            queue.push(Buffer.from(piece));
            pushed += piece.length;
            const run = queue.take(takes[index % takes.length] ?? 0);
            out.push(...run);
          });
          expect(queue.length).toBe(pushed - out.reduce((sum, piece) => sum + piece.length, 0));
          out.push(...queue.take(queue.length));
          expect(Buffer.concat(out).equals(Buffer.concat(pieces.map((piece) => Buffer.from(piece))))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
