import { crc32, deflateSync } from 'node:zlib';

/** PNG colour types this encoder writes: 2 is 8-bit RGB, 6 is 8-bit RGBA. */
export type PngColourType = 2 | 6;

/**
 * A PNG file from raw scanlines (each row a filter byte, then the pixels): enough for images drawn in code (the
 * tray icon) or made for tests, without an image library.
 */
export function encodePng(width: number, height: number, colourType: PngColourType, scanlines: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colourType, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
