/** Types for build/electronBinary.mjs (plain JS so that `node build/launch.mjs` runs without a compiler). */

export interface ElectronBinaryOptions {
  /** Environment to read ELECTRON_OVERRIDE_DIST_PATH from; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to process.platform. */
  readonly platform?: string;
  /** The electron package directory; defaults to the one node_modules resolves. */
  readonly electronDir?: string;
}

export type ElectronBinaryLookup =
  | { readonly found: true; readonly path: string }
  | {
      readonly found: false;
      /** Where it was looked for, or null when the electron package itself is missing. */
      readonly path: string | null;
      /** A multi-line explanation and the ways to get the binary, ready to print. */
      readonly message: string;
    };

/** The executable's location inside an Electron dist folder for `platform`. */
export function platformExecutablePath(platform?: string): string;

/** Finds the Electron executable without ever triggering electron's on-demand download. */
export function findElectronBinary(options?: ElectronBinaryOptions): ElectronBinaryLookup;

/** The executable's path, or null when it is not installed (use it to skip Electron-launch tests). */
export function electronBinaryPath(options?: ElectronBinaryOptions): string | null;
