/**
 * The renderer's Content-Security-Policy, defined once: the build writes it into index.html and main sends it as a
 * header on every app:// response. No inline or remote script, no eval; media and images only from the app itself
 * and blobs it made; network only to HTTPS/WSS servers (the user's server is chosen at run time, pinned by main).
 */
export const rendererCspDirectives: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'blob:'],
  'font-src': ["'self'"],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'connect-src': ["'self'", 'https:', 'wss:'],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-src': ["'none'"],
};

/** Directives a <meta> policy cannot carry (browsers ignore them there), sent only as a response header. */
export const headerOnlyCspDirectives: Readonly<Record<string, readonly string[]>> = {
  'frame-ancestors': ["'none'"],
};

export function formatCsp(directives: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

export const rendererCspMeta = formatCsp(rendererCspDirectives);
export const rendererCspHeader = formatCsp({ ...rendererCspDirectives, ...headerOnlyCspDirectives });
