import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { CustomFetch } from 'openid-client';

/** The provider could not be reached (refused, reset, timed out, TLS failed): not an answer that was wrong. */
export class ProviderUnreachable extends Error {
  override readonly name = 'ProviderUnreachable';
}

/** Largest answer accepted from a provider (discovery, keys, tokens, userinfo are all small JSON). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The fetch openid-client uses towards identity providers: Node's https with TLS 1.2+, the system's CAs plus the
 * operator's (`sso.caFile`, a company CA), no redirects followed (openid-client asks for `manual`), a size cap on
 * answers and a deadline. A provider is reached only over verified TLS: there is no switch to turn that off.
 */
export function providerFetch(options: { readonly extraCa?: string; readonly timeoutMs: number }): CustomFetch {
  const ca = options.extraCa === undefined ? undefined : [...rootCertificates, options.extraCa];
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new TypeError('identity providers are reached over https only'));
        return;
      }
      const body = encodeBody(init.body);
      const req = request(
        target,
        {
          method: init.method,
          headers: { ...init.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
          minVersion: 'TLSv1.2',
          ...(ca === undefined ? {} : { ca }),
          timeout: options.timeoutMs,
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              res.destroy(new Error('the identity provider sent too large an answer'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (error) => reject(new ProviderUnreachable(error.message, { cause: error })));
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value === undefined) continue;
              for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
            }
            const status = res.statusCode ?? 502;
            const nullBody = status === 204 || status === 304;
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('the identity provider did not answer in time')));
      req.on('error', (error) => reject(new ProviderUnreachable(error.message, { cause: error })));
      req.end(body);
    });
}

function encodeBody(body: Parameters<CustomFetch>[1]['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // openid-client streams no bodies for the calls whoot makes (discovery, token, userinfo).
  throw new TypeError('streamed request bodies are not sent to identity providers');
}
