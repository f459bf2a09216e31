import { describe, expect, it } from 'vitest';
import { findDeepLinkArg } from './deepLinkArgv';

const link = 'whoot://join?host=voice.example.com&port=443&fp=abc&code=0123456789abcdef';

describe('findDeepLinkArg', () => {
  it('finds the link wherever Chromium put it', () => {
    expect(findDeepLinkArg(['/opt/whoot/whoot', link])).toBe(link);
    expect(
      findDeepLinkArg([
        'C:\\whoot\\whoot.exe',
        '--allow-file-access-from-files',
        link,
        '--original-process-start-time=1',
      ]),
    ).toBe(link);
    expect(findDeepLinkArg(['/usr/lib/electron', '/home/me/whoot', link])).toBe(link);
  });

  it('matches the scheme case-insensitively and returns the raw string', () => {
    expect(findDeepLinkArg(['app', 'WHOOT://join?x=1'])).toBe('WHOOT://join?x=1');
  });

  it('returns null when there is no link', () => {
    expect(findDeepLinkArg([])).toBeNull();
    expect(findDeepLinkArg(['/opt/whoot/whoot', '.', '--inspect'])).toBeNull();
    expect(findDeepLinkArg(['app', 'https://example.com', 'whoot:join', 'app://whoot/'])).toBeNull();
  });

  it('ignores switches that carry a link, and oversized arguments', () => {
    expect(findDeepLinkArg(['app', `--url=${link}`, `-${link}`])).toBeNull();
    expect(findDeepLinkArg(['app', `whoot://join?code=${'a'.repeat(5000)}`])).toBeNull();
  });
});
