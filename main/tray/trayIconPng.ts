import { encodePng } from '../images/encodePng';
import type { TrayIconState } from './trayMenuModel';

/**
 * The tray icon, drawn here as a PNG rather than shipped as files: the packaged app carries only out/, and the icon
 * changes with the call (idle, in a call, talking, muted), which four generated images show without any assets.
 * A filled disc with a soft edge; muted adds a light bar across it so the state does not rest on colour alone.
 */
const colours: Record<TrayIconState, readonly [number, number, number]> = {
  idle: [138, 143, 163],
  inCall: [74, 144, 226],
  talking: [46, 184, 114],
  muted: [214, 69, 65],
};

export function trayIconPng(state: TrayIconState, size = 32): Buffer {
  const [r, g, b] = colours[state];
  const rowBytes = size * 4 + 1;
  const raw = Buffer.alloc(rowBytes * size);
  const centre = (size - 1) / 2;
  const radius = size * 0.42;
  for (let y = 0; y < size; y += 1) {
    raw[y * rowBytes] = 0; // filter type: none
    for (let x = 0; x < size; x += 1) {
      const distance = Math.hypot(x - centre, y - centre);
      const coverage = Math.max(0, Math.min(1, radius - distance + 0.5));
      const onBar = state === 'muted' && Math.abs(x - y) <= size * 0.07 && distance < radius - 1;
      const offset = y * rowBytes + 1 + x * 4;
      raw[offset] = onBar ? 255 : r;
      raw[offset + 1] = onBar ? 255 : g;
      raw[offset + 2] = onBar ? 255 : b;
      raw[offset + 3] = Math.round(coverage * 255);
    }
  }
  return encodePng(size, size, 6, raw);
}
