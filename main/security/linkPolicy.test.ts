import { describe, expect, it } from 'vitest';
import { allowedLink, decideLink } from './linkPolicy';

/** A link as a bare URL in a message: its text is what it links to. */
const bare = (url: string) => decideLink(url, url);

describe('link policy', () => {
  it('opens https links that show where they go, as parsed, re-serialised', () => {
    expect(bare('https://example.com/a?b=c#d')).toEqual({ action: 'open', url: 'https://example.com/a?b=c#d' });
    expect(bare('HTTPS://Example.COM')).toEqual({ action: 'open', url: 'https://example.com/' });
    // The same URL written another way is still the link showing itself.
    expect(decideLink('https://example.com/', 'https://EXAMPLE.com')).toEqual({
      action: 'open',
      url: 'https://example.com/',
    });
    expect(decideLink('https://example.com/docs/', ' https://example.com/docs ')).toMatchObject({ action: 'open' });
  });

  it('asks first, naming the full host, when the text differs from the target', () => {
    expect(decideLink('https://evil.example/login', 'https://good.example')).toEqual({
      action: 'confirm',
      url: 'https://evil.example/login',
      host: 'evil.example',
      concerns: ['text_differs'],
    });
    expect(decideLink('https://docs.example:8443/a', 'the docs')).toEqual({
      action: 'confirm',
      url: 'https://docs.example:8443/a',
      host: 'docs.example:8443',
      concerns: ['text_differs'],
    });
    // A text that is a URL with the same host but another path still says something the target is not.
    expect(decideLink('https://example.com/other', 'https://example.com/')).toMatchObject({
      concerns: ['text_differs'],
    });
  });

  it('asks first for internationalised (look-alike) hosts, showing their punycode form', () => {
    // Cyrillic а in "аpple.com": the host that opens is the punycode one, which is what the reader is shown.
    expect(bare('https://\u0430pple.com/')).toEqual({
      action: 'confirm',
      url: 'https://xn--pple-43d.com/',
      host: 'xn--pple-43d.com',
      concerns: ['lookalike_host'],
    });
    expect(bare('https://xn--mnchen-3ya.de/')).toMatchObject({
      host: 'xn--mnchen-3ya.de',
      concerns: ['lookalike_host'],
    });
    expect(decideLink('https://sub.xn--80ak6aa92e.com/', 'apple')).toMatchObject({
      host: 'sub.xn--80ak6aa92e.com',
      concerns: ['text_differs', 'lookalike_host'],
    });
    // Only labels that are punycode count: an ASCII name that merely contains "xn--" elsewhere is ordinary.
    expect(bare('https://a-xn--b.example/')).toMatchObject({ action: 'open' });
  });

  it('asks first for http', () => {
    expect(bare('http://example.com/')).toEqual({
      action: 'confirm',
      url: 'http://example.com/',
      host: 'example.com',
      concerns: ['unencrypted'],
    });
  });

  it('lets the opener have a link only when it may open: at once, after confirmation, never when refused', () => {
    expect(allowedLink(bare('https://example.com/'), false)).toEqual({ url: 'https://example.com/' });
    const disguised = decideLink('https://evil.example/', 'https://good.example/');
    expect(allowedLink(disguised, false)).toBeNull();
    expect(allowedLink(disguised, true)).toEqual({ url: 'https://evil.example/' });
    expect(allowedLink(bare('javascript:alert(1)'), true)).toBeNull();
    expect(allowedLink(bare('https://good.example@evil.example/'), true)).toBeNull();
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
    ['https://good.example@evil.example/', 'credentials'],
    ['https://good.example:443@evil.example/', 'credentials'],
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
    expect(bare(raw)).toEqual({ action: 'refuse', reason });
    // What the link says on it changes nothing about a refusal.
    expect(decideLink(raw, 'https://example.com/')).toEqual({ action: 'refuse', reason });
  });
});
