import { app, BrowserWindow } from 'electron';

/**
 * Creates and loads the main window. Every webPreference that matters for security is written out, even where it
 * equals Electron's default, so a reader (and Electronegativity) sees the whole stance in one place and a change of
 * default cannot loosen it. The window is shown on ready-to-show to avoid a blank flash. `preloadPath` is the built
 * out/preload/index.cjs; `entryUrl` comes from resolveAppTarget() in main/security/appOrigin.ts.
 */
export function createMainWindow(options: { preloadPath: string; entryUrl: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    minWidth: 940,
    minHeight: 600,
    show: false,
    title: 'whoot',
    backgroundColor: '#16171d',
    webPreferences: {
      // Reviewed (build/electronegativity-reviewed.json): the preload exposes only the IPC contract's methods through
      // contextBridge, never ipcRenderer itself; see preload/index.ts.
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A packaged app has no use for DevTools, and they would let anyone at the keyboard script the page.
      devTools: !app.isPackaged,
      safeDialogs: true,
      // Middle-click (auxclick) opens links in new windows; setWindowOpenHandler denies those, this removes the path.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.entryUrl);
  return window;
}
