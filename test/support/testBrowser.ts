import { request } from 'node:https';

export interface BrowserResponse {
  readonly url: URL;
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

/**
 * What a browser does during single sign-on, in Node: GET and form POST over verified TLS (the CAs given), cookies
 * per origin, and redirects followed one hop at a time so a test can stop at any hop (the server's callback, the
 * app's loopback) and look at, keep or tamper with the URL. Not a stand-in for a real part: the e2e suite runs
 * the same trip in Chromium; this is the attacker's and the unit suite's browser.
 */
export function createTestBrowser(options: { readonly ca: readonly string[] }) {
  const jar = new Map<string, Map<string, string>>();

  function remember(url: URL, setCookie: readonly string[] | undefined) {
    const cookies = jar.get(url.origin) ?? new Map<string, string>();
    jar.set(url.origin, cookies);
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  function send(url: URL, method: 'GET' | 'POST', form?: URLSearchParams): Promise<BrowserResponse> {
    const body = form === undefined ? undefined : Buffer.from(form.toString(), 'utf8');
    const cookies = [...(jar.get(url.origin) ?? new Map<string, string>())].map(([n, v]) => `${n}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: [...options.ca],
          headers: {
            ...(cookies === '' ? {} : { cookie: cookies }),
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            remember(url, res.headers['set-cookie']);
            resolve({
              url,
              status: res.statusCode ?? 0,
              location: res.headers.location,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    /**
     * Requests `url` and follows redirects until an answer is not a redirect, or the next hop satisfies `stopAt`
     * (then that URL is returned unrequested, as `stoppedAt`).
     */
    async go(
      url: string | URL,
      options: { readonly form?: URLSearchParams; readonly stopAt?: (next: URL) => boolean } = {},
    ): Promise<{ readonly last: BrowserResponse; readonly stoppedAt?: URL }> {
      let next = new URL(url);
      let last = await send(next, options.form === undefined ? 'GET' : 'POST', options.form);
      for (let hops = 0; hops < 20; hops++) {
        if (last.status < 300 || last.status >= 400 || last.location === undefined) return { last };
        next = new URL(last.location, last.url);
        if (options.stopAt?.(next)) return { last, stoppedAt: next };
        if (next.protocol !== 'https:') return { last, stoppedAt: next };
        last = await send(next, 'GET');
      }
      throw new Error('too many redirects');
    },
  };
}

export type TestBrowser = ReturnType<typeof createTestBrowser>;
