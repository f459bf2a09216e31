import { protocol, type Session } from 'electron';
import { APP_SCHEME } from '../security/appOrigin';
import { loadAppAsset } from '../security/appProtocolPaths';
import { rendererCspHeader, type SignedInServers } from '../../shared/contentSecurityPolicy';

/**
 * Registers app:// as a privileged scheme. Must run before the app's `ready` event (Electron only accepts it then).
 * `standard` gives it real origins and relative-URL resolution, `secure` makes it a secure context (getUserMedia
 * needs one), `supportFetchAPI` lets the renderer fetch its own assets. CSP is not bypassed, and no service workers,
 * CORS or extensions are enabled.
 */
export function registerAppSchemeAsPrivileged(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: {
        standard: true,
        secure: true,
        supportFetchAPI: true,
        bypassCSP: false,
        allowServiceWorkers: false,
        corsEnabled: false,
        allowExtensions: false,
      },
    },
  ]);
}

/**
 * Serves app://whoot/ from `rendererDir` (the built renderer, e.g. out/renderer inside app.asar) on `session`.
 * Call after `ready`, before loading the window. Path checks and headers live in main/security/appProtocolPaths.ts;
 * `signedInServers` is read per response, so each document's CSP lets it connect to the servers of the session as
 * it is when the document loads (shared/contentSecurityPolicy.ts).
 */
export function serveAppProtocol(session: Session, rendererDir: string, signedInServers: () => SignedInServers): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const csp = rendererCspHeader(signedInServers());
    const asset = await loadAppAsset({ url: request.url, method: request.method }, rendererDir, csp);
    return new Response(asset.body, {
      status: asset.status,
      headers: asset.headers,
    });
  });
}
