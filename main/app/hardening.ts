import { app, type Session, type WebContents } from 'electron';
import { rendererDevCspHeader } from '../security/appProtocolPaths';
import type { SignedInServers } from '../../shared/contentSecurityPolicy';
import { decideWindowOpen, isFrameNavigationAllowed, isNavigationAllowed } from '../security/navigationPolicy';
import {
  isDevicePermissionGranted,
  isPermissionCheckGranted,
  isPermissionRequestGranted,
} from '../security/permissionPolicy';

/**
 * Applies the permission policy to `session` (microphone audio-only and speaker selection for the app's main
 * frame; everything else, including HID/serial/USB devices, denied). With `devServerOrigin` (npm run dev only) it
 * also adds the dev CSP header to the Vite dev server's responses, since those do not come through app://.
 * Call once after `ready`, before the first window loads.
 */
export function hardenSession(
  session: Session,
  trustedOrigins: readonly string[],
  options: {
    devServerOrigin?: string | null;
    /** The signed-in servers now, for the dev server's CSP (read per response, as app:// does). */
    signedInServers?: () => SignedInServers;
  } = {},
): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const granted = isPermissionRequestGranted(
      {
        permission,
        topLevelUrl: contents.getURL(),
        requestingUrl: details.requestingUrl,
        isMainFrame: details.isMainFrame,
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined,
        securityOrigin: 'securityOrigin' in details ? details.securityOrigin : undefined,
      },
      trustedOrigins,
    );
    callback(granted);
  });

  session.setPermissionCheckHandler((contents, permission, requestingOrigin, details) =>
    isPermissionCheckGranted(
      {
        permission,
        topLevelUrl: contents === null ? null : contents.getURL(),
        requestingOrigin,
        isMainFrame: details.isMainFrame,
        mediaType: details.mediaType,
        securityOrigin: details.securityOrigin,
        embeddingOrigin: details.embeddingOrigin,
      },
      trustedOrigins,
    ),
  );

  session.setDevicePermissionHandler(() => isDevicePermissionGranted());

  const devServerOrigin = options.devServerOrigin;
  if (devServerOrigin) {
    const signedInServers = options.signedInServers ?? (() => []);
    session.webRequest.onHeadersReceived({ urls: [`${devServerOrigin}/*`] }, (details, callback) => {
      const devCsp = rendererDevCspHeader(devServerOrigin, signedInServers());
      // Drop any CSP the dev server sent in another letter case, so exactly one policy applies.
      const headers = Object.fromEntries(
        Object.entries(details.responseHeaders ?? {}).filter(
          ([name]) => name.toLowerCase() !== 'content-security-policy',
        ),
      );
      callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [devCsp] } });
    });
  }
}

/** Hooks a future main-process handler can use; nothing is opened for now. */
export interface WebContentsHardeningHooks {
  /** Called with an https URL the page tried to open or navigate to (already denied). */
  readonly onExternalLink?: (url: string) => void;
}

/**
 * Locks one webContents to the app's own page: navigations and redirects elsewhere are cancelled, subframes may not
 * navigate, window.open is always denied, and <webview> attachment destroys the guest.
 */
export function hardenWebContents(
  contents: WebContents,
  trustedOrigins: readonly string[],
  hooks: WebContentsHardeningHooks = {},
): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    event.preventDefault();
    const link = decideWindowOpen(url).externalLink;
    if (link !== null) hooks.onExternalLink?.(link);
  };

  contents.on('will-navigate', (event) => {
    if (!isNavigationAllowed(event.url, trustedOrigins)) refuse(event, event.url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isFrameNavigationAllowed(event.url, event.isMainFrame, trustedOrigins)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isNavigationAllowed(event.url, trustedOrigins)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideWindowOpen(url);
    if (decision.externalLink !== null) hooks.onExternalLink?.(decision.externalLink);
    return { action: decision.action };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

/**
 * Applies hardenWebContents to every webContents the app ever creates (windows, devtools, any guest), so none can
 * be missed. Register before the first window is created.
 */
export function hardenAllWebContents(trustedOrigins: readonly string[], hooks: WebContentsHardeningHooks = {}): void {
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, trustedOrigins, hooks);
  });
}
