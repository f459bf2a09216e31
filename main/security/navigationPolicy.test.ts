import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, APP_ORIGIN } from './appOrigin';
import {
  decideWindowOpen,
  externalLinkCandidate,
  isFrameNavigationAllowed,
  isNavigationAllowed,
  isWebviewAttachAllowed,
} from './navigationPolicy';

const trusted = [APP_ORIGIN];

const hostile = [
  'javascript:alert(document.domain)',
  'JaVaScRiPt:alert(1)',
  'file:///etc/passwd',
  'file:///C:/Windows/System32/calc.exe',
  'app://evil/',
  'app://evil/index.html',
  'app://whoot.evil.com/index.html',
  'https://example.com',
  'http://example.com/phish',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'blob:app://whoot/6a1c7f0e',
  'about:blank',
  'chrome://gpu',
  'devtools://devtools/bundled/inspector.html',
  'whoot://join?host=example.com&port=443&fp=x&code=y',
  'app://user:pass@whoot/index.html',
  'view-source:app://whoot/index.html',
  '',
  'not a url',
];

describe('isNavigationAllowed', () => {
  it('allows the app page and same-origin paths', () => {
    expect(isNavigationAllowed(APP_ENTRY_URL, trusted)).toBe(true);
    expect(isNavigationAllowed('app://whoot/index.html#/channels', trusted)).toBe(true);
    expect(isNavigationAllowed('app://whoot/', trusted)).toBe(true);
  });

  it.each(hostile)('denies %s', (url) => {
    expect(isNavigationAllowed(url, trusted)).toBe(false);
  });

  it('follows the trusted list: the dev server in dev, not app://', () => {
    const dev = ['http://127.0.0.1:5173'];
    expect(isNavigationAllowed('http://127.0.0.1:5173/', dev)).toBe(true);
    expect(isNavigationAllowed('http://127.0.0.1:5174/', dev)).toBe(false);
    expect(isNavigationAllowed('http://localhost:5173/', dev)).toBe(false);
    expect(isNavigationAllowed(APP_ENTRY_URL, dev)).toBe(false);
  });
});

describe('isFrameNavigationAllowed', () => {
  it('lets the main frame reload the app', () => {
    expect(isFrameNavigationAllowed(APP_ENTRY_URL, true, trusted)).toBe(true);
  });

  it('refuses every subframe navigation, even to the app origin', () => {
    expect(isFrameNavigationAllowed(APP_ENTRY_URL, false, trusted)).toBe(false);
    expect(isFrameNavigationAllowed('https://example.com/', false, trusted)).toBe(false);
  });

  it.each(hostile)('refuses a main-frame navigation to %s', (url) => {
    expect(isFrameNavigationAllowed(url, true, trusted)).toBe(false);
  });
});

describe('decideWindowOpen', () => {
  it('denies window.open to the app itself', () => {
    expect(decideWindowOpen(APP_ENTRY_URL)).toEqual({ action: 'deny', externalLink: null });
  });

  it.each(hostile.filter((url) => !url.startsWith('https:')))('denies %s without passing it on', (url) => {
    expect(decideWindowOpen(url)).toEqual({ action: 'deny', externalLink: null });
  });

  it('denies https links too, but hands them to the future external-link hook', () => {
    expect(decideWindowOpen('https://example.com/docs?a=1#b')).toEqual({
      action: 'deny',
      externalLink: 'https://example.com/docs?a=1#b',
    });
  });
});

describe('externalLinkCandidate', () => {
  it('re-serialises what it checked', () => {
    expect(externalLinkCandidate('HTTPS://Example.COM/a b')).toBe('https://example.com/a%20b');
  });

  it('refuses http, credentials and non-URLs', () => {
    expect(externalLinkCandidate('http://example.com/')).toBeNull();
    expect(externalLinkCandidate('https://user:pw@example.com/')).toBeNull();
    expect(externalLinkCandidate('https://')).toBeNull();
  });
});

describe('isWebviewAttachAllowed', () => {
  it('never allows a webview', () => {
    expect(isWebviewAttachAllowed()).toBe(false);
  });
});
