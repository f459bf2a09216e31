import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendererCspHeader } from '../../shared/contentSecurityPolicy';
import {
  appResponseHeaders,
  contentTypeFor,
  loadAppAsset,
  rendererDevCspHeader,
  resolveAppAssetPath,
} from './appProtocolPaths';

const rendererDir = join(tmpdir(), 'whoot-renderer-does-not-need-to-exist');

describe('resolveAppAssetPath', () => {
  it('maps / and the bare origin to index.html', () => {
    for (const url of ['app://whoot/', 'app://whoot', 'app://whoot/?x=1#/channels']) {
      expect(resolveAppAssetPath(url, rendererDir)).toEqual({
        ok: true,
        filePath: join(rendererDir, 'index.html'),
        relativePath: 'index.html',
      });
    }
  });

  it('maps asset paths under the renderer directory, ignoring query and fragment', () => {
    expect(resolveAppAssetPath('app://whoot/assets/index-B1x_9.js?v=2#x', rendererDir)).toEqual({
      ok: true,
      filePath: join(rendererDir, 'assets', 'index-B1x_9.js'),
      relativePath: 'assets/index-B1x_9.js',
    });
    expect(resolveAppAssetPath('app://whoot/fonts/Inter%20Var.woff2', rendererDir)).toMatchObject({
      ok: true,
      relativePath: 'fonts/Inter Var.woff2',
    });
  });

  it.each([
    'app://whoot/../etc/passwd',
    'app://whoot/assets/../../etc/passwd',
    'app://whoot/./index.html',
    'app://whoot/..',
    'app://whoot/%2e%2e/etc/passwd',
    'app://whoot/%2E%2E/%2E%2E/etc/passwd',
    'app://whoot/.%2e/etc/passwd',
    'app://whoot/%252e%252e/etc/passwd',
    'app://whoot/assets%2f..%2f..%2fetc%2fpasswd',
    'app://whoot/..%5c..%5cWindows%5cwin.ini',
    'app://whoot/..\\..\\Windows\\win.ini',
    'app://whoot/a\\b.js',
    'app://whoot/index.html%00.png',
    'app://whoot/index.html\u0000.png',
    'app://whoot//etc/passwd',
    'app://whoot/C:/Windows/win.ini',
    'app://whoot/assets//index.js',
    'app://whoot/%E0%A4%A',
    'app://whoot/%0aSet-Cookie:x',
    'app://user:pw@whoot/index.html',
    `app://whoot/${'a'.repeat(3000)}`,
    'not a url',
  ])('refuses %s with 400', (url) => {
    expect(resolveAppAssetPath(url, rendererDir)).toEqual({ ok: false, status: 400 });
  });

  it.each([
    'app://evil/index.html',
    'app://whoot.evil/index.html',
    'app://whoot:8080/index.html',
    'app:///etc/passwd',
    'file:///etc/passwd',
    'https://example.com/index.html',
    'javascript:alert(1)',
    'data:text/html,hi',
  ])('answers 404 for another scheme or host: %s', (url) => {
    expect(resolveAppAssetPath(url, rendererDir)).toEqual({ ok: false, status: 404 });
  });
});

describe('contentTypeFor', () => {
  it('types what Vite emits', () => {
    expect(contentTypeFor('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/x/assets/index-abc.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/x/assets/index-abc.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('/x/a.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('/x/a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('/x/a.wasm')).toBe('application/wasm');
  });

  it('does not guess unknown types', () => {
    expect(contentTypeFor('/x/file')).toBe('application/octet-stream');
    expect(contentTypeFor('/x/file.exe')).toBe('application/octet-stream');
  });
});

describe('appResponseHeaders', () => {
  it('sends the header CSP, nosniff and the content type', () => {
    const csp = rendererCspHeader([{ host: 'voice.example.org', port: 8443 }]);
    const headers = appResponseHeaders('text/html; charset=utf-8', csp);
    expect(headers['Content-Security-Policy']).toBe(csp);
    expect(headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
  });
});

describe('rendererDevCspHeader', () => {
  it('adds only what the Vite dev client needs to the policy for the signed-in servers', () => {
    const csp = rendererDevCspHeader('http://127.0.0.1:5173', [{ host: 'voice.example.org', port: 8443 }]);
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("connect-src 'self' wss://voice.example.org:8443 ws://127.0.0.1:5173");
    expect(rendererDevCspHeader('http://127.0.0.1:5173', [])).toContain("connect-src 'self' ws://127.0.0.1:5173;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });
});

describe('loadAppAsset', () => {
  let root: string;
  let dir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'whoot-app-protocol-'));
    dir = join(root, 'renderer');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>whoot</title>');
    await writeFile(join(dir, 'assets', 'main.js'), 'console.log(1);');
    await writeFile(join(root, 'secret.txt'), 'outside the renderer directory');
    await symlink(join(root, 'secret.txt'), join(dir, 'assets', 'link.js'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const csp = rendererCspHeader([{ host: 'voice.example.org', port: 8443 }]);
  const get = (url: string, method = 'GET') => loadAppAsset({ url, method }, dir, csp);

  it('serves index.html for / with the app headers', async () => {
    const response = await get('app://whoot/');
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.body ?? new Uint8Array())).toContain('<title>whoot</title>');
    expect(response.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(response.headers['Content-Security-Policy']).toBe(csp);
    expect(response.headers['X-Content-Type-Options']).toBe('nosniff');
  });

  it('serves assets with their type, and HEAD without a body', async () => {
    const response = await get('app://whoot/assets/main.js');
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    const head = await get('app://whoot/assets/main.js', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: null });
  });

  it('answers 404 for unknown files and directories', async () => {
    expect((await get('app://whoot/missing.js')).status).toBe(404);
    expect((await get('app://whoot/assets')).status).toBe(404);
  });

  it('does not follow a symlink out of the renderer directory', async () => {
    const response = await get('app://whoot/assets/link.js');
    expect(response.status).toBe(404);
    expect(new TextDecoder().decode(response.body ?? new Uint8Array())).not.toContain('outside');
  });

  it('refuses traversal and other hosts, with the security headers still on', async () => {
    const traversal = await get('app://whoot/%2e%2e/secret.txt');
    expect(traversal.status).toBe(400);
    expect(traversal.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(traversal.headers['Content-Security-Policy']).toBe(csp);
    expect((await get('app://evil/index.html')).status).toBe(404);
    expect((await get('file:///etc/passwd')).status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const response = await get('app://whoot/index.html', 'POST');
    expect(response.status).toBe(405);
    expect(response.headers['Allow']).toBe('GET, HEAD');
  });
});
