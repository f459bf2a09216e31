import { useMemo } from 'react';
import encodeQR from 'qr';

/**
 * A QR code drawn as inline SVG from the module matrix: no image file, no data: URL (the CSP allows images only from
 * the app and blob:), and sharp at any size. One path of unit squares, with the four-module quiet zone scanners
 * need, dark on light whatever the theme, since phone cameras expect that.
 */
export function QrCode({ text, label, size = 192 }: { text: string; label: string; size?: number }) {
  const { modules, path } = useMemo(() => {
    const matrix = encodeQR(text, 'raw', { ecc: 'medium' });
    const parts: string[] = [];
    matrix.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) parts.push(`M${x + 4} ${y + 4}h1v1h-1z`);
      }),
    );
    return { modules: matrix.length + 8, path: parts.join('') };
  }, [text]);
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${modules} ${modules}`}
      shapeRendering="crispEdges"
    >
      <rect width={modules} height={modules} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}
