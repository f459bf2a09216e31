import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, APP_ORIGIN, isAppUrl, originOf, resolveAppTarget } from './appOrigin';

describe('originOf', () => {
  it('gives custom schemes a real origin, unlike URL.origin', () => {
    expect(new URL('app://whoot/x').origin).toBe('null');
    expect(originOf('app://whoot/x')).toBe('app://whoot');
    expect(originOf(APP_ENTRY_URL)).toBe(APP_ORIGIN);
  });

  it('keeps the port and lower-cases the host', () => {
    expect(originOf('http://127.0.0.1:5173/index.html')).toBe('http://127.0.0.1:5173');
    expect(originOf('app://WHOOT/index.html')).toBe('app://whoot');
  });

  it('returns null for URLs without a host or that do not parse', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,<script>1</script>', 'about:blank', 'not a url', '']) {
      expect(originOf(url)).toBeNull();
    }
  });
});

describe('isAppUrl', () => {
  const trusted = [APP_ORIGIN];

  it('accepts the app page and its assets', () => {
    expect(isAppUrl(APP_ENTRY_URL, trusted)).toBe(true);
    expect(isAppUrl('app://whoot/assets/index-abc.js', trusted)).toBe(true);
  });

  it.each([
    'javascript:alert(1)',
    'file:///etc/passwd',
    'app://evil/',
    'app://whoot.evil/',
    'app://evil/?app://whoot/',
    'https://example.com',
    'https://whoot',
    'http://whoot/',
    'data:text/html,hi',
    'blob:app://whoot/1234',
    'about:blank',
    'whoot://join?host=example.com',
    'app://whoot:8080/',
  ])('rejects %s', (url) => {
    expect(isAppUrl(url, trusted)).toBe(false);
  });

  it('trusts nothing when the list is empty', () => {
    expect(isAppUrl(APP_ENTRY_URL, [])).toBe(false);
  });
});

describe('resolveAppTarget', () => {
  it('uses app://whoot when packaged, whatever the environment says', () => {
    const target = resolveAppTarget({ isPackaged: true, devServerUrl: 'http://127.0.0.1:5173/' });
    expect(target).toEqual({ entryUrl: APP_ENTRY_URL, trustedOrigins: [APP_ORIGIN], devServerOrigin: null });
  });

  it('uses app://whoot when unpackaged without a dev server', () => {
    expect(resolveAppTarget({ isPackaged: false, devServerUrl: undefined }).entryUrl).toBe(APP_ENTRY_URL);
    expect(resolveAppTarget({ isPackaged: false, devServerUrl: '' }).entryUrl).toBe(APP_ENTRY_URL);
  });

  it('trusts only the loopback dev server in dev mode', () => {
    const target = resolveAppTarget({ isPackaged: false, devServerUrl: 'http://127.0.0.1:5173/' });
    expect(target).toEqual({
      entryUrl: 'http://127.0.0.1:5173/',
      trustedOrigins: ['http://127.0.0.1:5173'],
      devServerOrigin: 'http://127.0.0.1:5173',
    });
    expect(isAppUrl(APP_ENTRY_URL, target.trustedOrigins)).toBe(false);
  });

  it.each([
    'https://example.com/',
    'http://192.168.1.10:5173/',
    'http://127.0.0.1.evil.com/',
    'http://user:pw@127.0.0.1:5173/',
    'file:///tmp/index.html',
    'javascript:alert(1)',
    'nonsense',
  ])('refuses a dev server URL that is not loopback http(s): %s', (devServerUrl) => {
    expect(() => resolveAppTarget({ isPackaged: false, devServerUrl })).toThrow(/WHOOT_DEV_SERVER_URL/);
  });
});
