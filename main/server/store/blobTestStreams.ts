import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Test support for the blob tests: `data` fed in pieces of `piece` bytes, as a socket would. */
export function pieces(data: Buffer, piece = 10_000): Readable {
  const list: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += piece) list.push(data.subarray(offset, offset + piece));
  return Readable.from(list);
}

/** Everything `transform` makes of `input`, as one buffer. */
export async function collect(input: Readable, transform: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(input, transform, async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}
