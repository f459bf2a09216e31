/**
 * WCAG 2.2 contrast ratio (success criteria 1.4.3 and 1.4.11) between two opaque sRGB colours written `#rrggbb`.
 * The design tokens are checked with it (contrast.test.ts), so a colour change that drops below AA fails a test
 * before anybody has to squint at a screenshot.
 */
export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = match.slice(1).map((part) => {
    const channel = parseInt(part, 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** AA thresholds: body text, and large text or the parts of a control that identify it. */
export const AA_TEXT = 4.5;
export const AA_LARGE_OR_UI = 3;
