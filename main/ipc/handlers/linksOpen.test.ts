import { describe, expect, it } from 'vitest';
import { linksOpenHandler } from './linksOpen';

const sender = { url: 'app://whoot/index.html', isMainFrame: true };

describe('links.open', () => {
  it('opens a link that shows itself, and refuses everything else without touching the opener', async () => {
    const opened: string[] = [];
    const handler = linksOpenHandler({ open: async (link) => void opened.push(link.url) });
    const url = 'https://example.com/x';
    expect(await handler({ url, text: url }, sender)).toEqual({ ok: true, value: { opened: true } });
    for (const refused of ['javascript:alert(1)', 'file:///etc/passwd', '\\\\host\\share', 'whoot://join/x']) {
      for (const confirmed of [undefined, true] as const) {
        expect(await handler({ url: refused, text: refused, confirmed }, sender)).toMatchObject({
          ok: false,
          error: { code: 'link_refused' },
        });
      }
    }
    expect(
      await handler({ url: 'https://good.example@evil.example/', text: 'x', confirmed: true }, sender),
    ).toMatchObject({ ok: false, error: { code: 'link_refused' } });
    expect(opened).toEqual([url]);
  });

  it('answers what to confirm for a disguised, look-alike or http link, and opens it only when confirmed', async () => {
    const opened: string[] = [];
    const handler = linksOpenHandler({ open: async (link) => void opened.push(link.url) });
    const disguised = { url: 'https://evil.example/login', text: 'https://good.example' };
    expect(await handler(disguised, sender)).toEqual({
      ok: true,
      value: {
        opened: false,
        confirm: { url: 'https://evil.example/login', host: 'evil.example', concerns: ['text_differs'] },
      },
    });
    const lookalike = { url: 'https://\u0430pple.com/', text: 'https://\u0430pple.com/' };
    expect(await handler(lookalike, sender)).toMatchObject({
      value: { opened: false, confirm: { host: 'xn--pple-43d.com', concerns: ['lookalike_host'] } },
    });
    const plain = { url: 'http://example.com/y', text: 'http://example.com/y' };
    expect(await handler(plain, sender)).toMatchObject({
      value: { opened: false, confirm: { concerns: ['unencrypted'] } },
    });
    expect(opened).toEqual([]);

    for (const link of [disguised, lookalike, plain]) {
      expect(await handler({ ...link, confirmed: true }, sender)).toEqual({ ok: true, value: { opened: true } });
    }
    // What opens is the URL as main parsed it, never the page's raw text.
    expect(opened).toEqual(['https://evil.example/login', 'https://xn--pple-43d.com/', 'http://example.com/y']);
  });

  it('says links are unavailable where there is no desktop to open them', async () => {
    const url = 'https://example.com/';
    expect(await linksOpenHandler(null)({ url, text: url }, sender)).toMatchObject({
      ok: false,
      error: { code: 'unavailable' },
    });
  });
});
