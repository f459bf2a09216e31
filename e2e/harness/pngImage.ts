import { encodePng } from '../../main/images/encodePng';

/** A real PNG (8-bit RGB, a diagonal gradient) of the given size, so Chromium has something to decode and scale. */
export function pngImage(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x += 1) {
      const at = row + 1 + x * 3;
      rows[at] = Math.round((255 * x) / Math.max(1, width - 1));
      rows[at + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      rows[at + 2] = 160;
    }
  }
  return encodePng(width, height, 2, rows);
}
