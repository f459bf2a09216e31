/**
 * The app's own origin. The renderer is served from `app://whoot/` rather than `file://`, so it has an origin of its
 * own that nothing else on the machine shares, and every trust decision (navigation, permissions, IPC sender) is a
 * comparison against the short list of origins returned here.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'whoot';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Set by build/dev.mjs to the Vite dev server's URL; read only when the app is not packaged. */
export const DEV_SERVER_URL_ENV = 'WHOOT_DEV_SERVER_URL';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `${protocol}//${host}` of a URL, or null when it has no host. WHATWG `URL.origin` is the string "null" for
 * non-special schemes such as `app:`, which would make every custom-scheme page look alike, so it is rebuilt here.
 * The host keeps its port; it is lower-cased because Chromium canonicalises standard schemes that way.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.host === '') return null;
  return `${parsed.protocol}//${parsed.host.toLowerCase()}`;
}

/** True when `url` belongs to one of `trustedOrigins` (compared as canonical scheme + host + port). */
export function isAppUrl(url: string, trustedOrigins: readonly string[]): boolean {
  const origin = originOf(url);
  if (origin === null) return false;
  return trustedOrigins.some((trusted) => originOf(trusted) === origin);
}

export interface AppTarget {
  /** The URL the main window loads. */
  readonly entryUrl: string;
  /** Origins whose main frame counts as the app: navigation, permissions and IPC trust exactly these. */
  readonly trustedOrigins: readonly string[];
  /** Origin of the Vite dev server when running under `npm run dev`, else null. */
  readonly devServerOrigin: string | null;
}

/**
 * Where the app's page comes from. Packaged builds always use app://whoot and ignore the environment, so a
 * variable set on a user's machine cannot point the app at another page. Unpackaged builds honour
 * WHOOT_DEV_SERVER_URL, but only for an http(s) loopback URL: the dev server's origin becomes fully trusted.
 */
export function resolveAppTarget(options: { isPackaged: boolean; devServerUrl: string | undefined }): AppTarget {
  const production: AppTarget = { entryUrl: APP_ENTRY_URL, trustedOrigins: [APP_ORIGIN], devServerOrigin: null };
  if (options.isPackaged || options.devServerUrl === undefined || options.devServerUrl === '') return production;
  const devOrigin = loopbackDevOrigin(options.devServerUrl);
  if (devOrigin === null) {
    throw new Error(`${DEV_SERVER_URL_ENV} must be an http(s) URL on 127.0.0.1, localhost or [::1]`);
  }
  return { entryUrl: `${devOrigin}/`, trustedOrigins: [devOrigin], devServerOrigin: devOrigin };
}

function loopbackDevOrigin(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) return null;
  return originOf(url);
}
