import { describe, expect, it } from 'vitest';
import { decideLink } from './linkPolicy';

describe('link policy', () => {
  it('opens https links as parsed, re-serialised', () => {
    expect(decideLink('https://example.com/a?b=c#d')).toEqual({ action: 'open', url: 'https://example.com/a?b=c#d' });
    expect(decideLink('HTTPS://Example.COM')).toEqual({ action: 'open', url: 'https://example.com/' });
    expect(decideLink('https://xn--mnchen-3ya.de/')).toEqual({ action: 'open', url: 'https://xn--mnchen-3ya.de/' });
  });

  it('opens http only after confirmation', () => {
    expect(decideLink('http://example.com/')).toEqual({ action: 'confirm', url: 'http://example.com/' });
  });

  it.each([
    ['javascript:alert(1)', 'scheme'],
    ['JaVaScRiPt:alert(1)', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['file://server/share/x', 'scheme'],
    ['data:text/html,<script>alert(1)</script>', 'scheme'],
    ['blob:https://example.com/1', 'scheme'],
    ['vbscript:msgbox', 'scheme'],
    ['ms-settings:privacy', 'scheme'],
    ['steam://run/1', 'scheme'],
    ['whoot://join/x', 'scheme'],
    ['mailto:a@example.com', 'scheme'],
    ['ftp://example.com/', 'scheme'],
    ['\\\\evil\\share\\payload.exe', 'unc_path'],
    ['//evil/share/payload', 'unc_path'],
    ['\\/evil/share', 'unc_path'],
    ['https://user:pass@example.com/', 'credentials'],
    ['https://user@example.com/', 'credentials'],
    ['https:\\\\example.com\\x', 'malformed'],
    ['https://exa mple.com/', 'malformed'],
    ['https://example.com/\u202Egnp.exe', 'malformed'],
    ['https://example.com/\u200B', 'malformed'],
    [' https://example.com/', 'malformed'],
    ['https://example.com/\n', 'malformed'],
    ['example.com', 'malformed'],
    ['/relative/path', 'malformed'],
    [`https://example.com/${'a'.repeat(3000)}`, 'too_long'],
  ])('refuses %s (%s)', (raw, reason) => {
    expect(decideLink(raw)).toEqual({ action: 'refuse', reason });
  });
});
