import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AA_LARGE_OR_UI, AA_TEXT, contrastRatio } from './contrast';

const css = readFileSync(join(import.meta.dirname, 'tokens.css'), 'utf8');
const tokens = Object.fromEntries([...css.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1], m[2]]));
const token = (name: string): string => {
  const value = tokens[name];
  if (value === undefined) throw new Error(`tokens.css has no colour --${name}`);
  return value;
};

/** Every foreground/background pair the UI draws text or a control's identifying part with. */
const TEXT_PAIRS: readonly (readonly [string, string])[] = [
  ['text', 'bg-rail'],
  ['text', 'bg-sidebar'],
  ['text', 'bg-content'],
  ['text', 'bg-panel'],
  ['text', 'bg-raised'],
  ['text', 'bg-raised-hover'],
  ['text', 'bg-input'],
  ['text-muted', 'bg-sidebar'],
  ['text-muted', 'bg-content'],
  ['text-muted', 'bg-panel'],
  ['text-muted', 'bg-raised'],
  ['text-placeholder', 'bg-input'],
  ['text-on-accent', 'accent'],
  ['text-on-accent', 'accent-hover'],
  ['text-on-accent', 'danger'],
  ['text-on-accent', 'danger-hover'],
  ...[0, 1, 2, 3, 4, 5].map((hue) => ['text-on-accent', `avatar-${hue}`] as const),
  ['text-on-accent', 'avatar-stale'],
  ['accent-text', 'bg-content'],
  ['accent-text', 'bg-panel'],
  ['accent-text', 'bg-raised'],
  ['bad', 'bg-sidebar'],
  ['bad', 'bg-content'],
  ['bad', 'bg-panel'],
  ['bad', 'bg-raised'],
  ['bad', 'bad-surface'],
  ['text', 'bad-surface'],
  ['accent-text', 'bad-surface'],
  ['good', 'bg-sidebar'],
  ['good', 'bg-panel'],
  ['good', 'bg-raised'],
  ['warn', 'bg-sidebar'],
  ['warn', 'bg-panel'],
  ['warn', 'bg-raised'],
];

const UI_PAIRS: readonly (readonly [string, string])[] = [
  ['border-strong', 'bg-input'],
  ['border-strong', 'bg-content'],
  ['border-strong', 'bg-panel'],
  ['focus', 'bg-rail'],
  ['focus', 'bg-sidebar'],
  ['focus', 'bg-content'],
  ['focus', 'bg-panel'],
  ['focus', 'bg-raised'],
  ['speaking', 'bg-panel'],
  ['speaking', 'bg-sidebar'],
  // The microphone level in Settings: below the threshold, past it, and the threshold's handle on the bar.
  ['warn', 'bg-input'],
  // The push-to-talk note's border and icon when the shortcut cannot hold to talk.
  ['warn', 'bg-content'],
  ['good', 'bg-input'],
  ['text', 'bg-input'],
];

describe('design tokens meet WCAG 2.2 AA', () => {
  it('computes the ratios WCAG defines (black on white 21:1, the old primary button 3.87:1)', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#7b6cff')).toBeCloseTo(3.87, 2);
    expect(contrastRatio('#ff6b7a', '#343843')).toBeCloseTo(4.26, 2);
  });

  it.each(TEXT_PAIRS)('text --%s on --%s is at least 4.5:1', (fg, bg) => {
    expect(contrastRatio(token(fg), token(bg))).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it.each(UI_PAIRS)('control part --%s on --%s is at least 3:1', (fg, bg) => {
    expect(contrastRatio(token(fg), token(bg))).toBeGreaterThanOrEqual(AA_LARGE_OR_UI);
  });
});
