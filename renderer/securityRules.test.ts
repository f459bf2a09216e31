import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The renderer's security rules, checked on its source: it reaches main only through window.whoot, stores nothing
 * in the browser's persistent storage, and renders no raw HTML. A review can miss one line; this cannot.
 */
const rendererDir = import.meta.dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * The one exception to "network only through window.whoot": main.tsx hands the browser's WebSocket constructor to
 * the realtime client, which opens the WSS only to the URL main built from the pinned server address, with a
 * one-time ticket main minted (docs/architecture.md). Nothing else in the renderer may name it.
 */
const WEBSOCKET_ALLOWED_IN = new Set(['main.tsx']);

const forbidden: readonly [RegExp, string][] = [
  [/\blocalStorage\b/, 'localStorage'],
  [/\bsessionStorage\b/, 'sessionStorage'],
  [/\bindexedDB\b/, 'IndexedDB'],
  [/\bcookieStore\b|\.cookie\b/, 'cookies'],
  [/\bcaches\s*\./, 'Cache Storage'],
  [/dangerouslySetInnerHTML|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write/, 'raw HTML'],
  [/\bfetch\s*\(|XMLHttpRequest|\bEventSource\b|sendBeacon/, 'network outside window.whoot'],
  [/\brequire\s*\(|from\s+['"](node:|electron)|\bprocess\./, 'Node or Electron'],
  [/\beval\s*\(|new\s+Function\s*\(/, 'eval'],
];

describe('renderer security rules', () => {
  const files = sourceFiles(rendererDir);

  it('finds the renderer sources', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((file) => [relative(rendererDir, file), file]))(
    '%s uses none of the forbidden APIs',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      for (const [pattern, what] of forbidden) {
        expect(pattern.test(text), `${what} in ${relative(rendererDir, file)}`).toBe(false);
      }
      if (!WEBSOCKET_ALLOWED_IN.has(relative(rendererDir, file))) {
        expect(/\bWebSocket\b/.test(text), `WebSocket in ${relative(rendererDir, file)}`).toBe(false);
      }
    },
  );

  it('index.html has no inline script or style', () => {
    const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });
});
