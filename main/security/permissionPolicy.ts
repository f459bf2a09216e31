import { isAppUrl } from './appOrigin';

/**
 * Which web permissions the renderer gets. A voice app needs the microphone and the choice of speaker, nothing more:
 * no camera, screen, notifications, geolocation, clipboard, MIDI, HID, serial or USB. Only the top-level frame of
 * the app's own page may have them, so an iframe or a navigated-away window cannot reach the microphone.
 */

/** The permissions that can be granted at all; everything else is denied without looking further. */
const GRANTABLE = new Set(['media', 'speaker-selection']);

/** What setPermissionRequestHandler reports, reduced to what the decision needs (strings, no Electron types). */
export interface PermissionRequest {
  readonly permission: string;
  /** URL of the page that owns the webContents (the top-level document), or null if there is none. */
  readonly topLevelUrl: string | null;
  /** URL of the frame asking. */
  readonly requestingUrl: string | undefined;
  readonly isMainFrame: boolean;
  /** For 'media': what is asked for. Missing or empty means the request cannot be judged, so it is denied. */
  readonly mediaTypes?: readonly string[] | undefined;
  /** For 'media': the origin of the requesting frame, when Electron provides it. */
  readonly securityOrigin?: string | undefined;
}

/** Decides a permission request: microphone (audio only) and speaker selection for the app's main frame. */
export function isPermissionRequestGranted(request: PermissionRequest, trustedOrigins: readonly string[]): boolean {
  if (!GRANTABLE.has(request.permission)) return false;
  if (!request.isMainFrame) return false;
  if (request.topLevelUrl === null || !isAppUrl(request.topLevelUrl, trustedOrigins)) return false;
  if (request.requestingUrl === undefined || !isAppUrl(request.requestingUrl, trustedOrigins)) return false;
  if (request.securityOrigin !== undefined && !isAppUrl(request.securityOrigin, trustedOrigins)) return false;
  if (request.permission === 'media') {
    const types = request.mediaTypes ?? [];
    return types.length > 0 && types.every((type) => type === 'audio');
  }
  return true;
}

/** What setPermissionCheckHandler reports (the synchronous "is it already granted?" question). */
export interface PermissionCheck {
  readonly permission: string;
  /** URL of the page that owns the webContents; null when Electron passes no webContents (e.g. service workers). */
  readonly topLevelUrl: string | null;
  readonly requestingOrigin: string;
  readonly isMainFrame: boolean;
  /** For 'media' checks: 'audio', 'video' or 'unknown'. */
  readonly mediaType?: string | undefined;
  readonly securityOrigin?: string | undefined;
  /** Set only for cross-origin subframes, which never get anything. */
  readonly embeddingOrigin?: string | undefined;
}

/**
 * The same rule for permission checks, which Chromium makes before requests and for things like device labels in
 * enumerateDevices: audio input and speaker selection for the app's main frame, nothing else (a video check is
 * answered no, so camera labels stay hidden).
 */
export function isPermissionCheckGranted(check: PermissionCheck, trustedOrigins: readonly string[]): boolean {
  if (!GRANTABLE.has(check.permission)) return false;
  if (!check.isMainFrame || check.embeddingOrigin !== undefined) return false;
  if (check.topLevelUrl === null || !isAppUrl(check.topLevelUrl, trustedOrigins)) return false;
  if (!isAppUrl(check.requestingOrigin, trustedOrigins)) return false;
  if (check.securityOrigin !== undefined && !isAppUrl(check.securityOrigin, trustedOrigins)) return false;
  if (check.permission === 'media') return check.mediaType === 'audio';
  return true;
}

/** setDevicePermissionHandler: no WebHID, Web Serial or WebUSB device is ever granted. */
export function isDevicePermissionGranted(): false {
  return false;
}
