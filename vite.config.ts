import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { rendererCspMeta } from './shared/contentSecurityPolicy.ts';

/**
 * One Vite config, five targets chosen by --mode: the renderer (React app), the preload (one CommonJS file, as a
 * sandboxed preload must be), main (Node, CommonJS, natives external), server (the headless CLI and the in-app
 * utility-process entry, Node CommonJS like main) and the e2e harness bridge (the real preload factory as a browser
 * script). Plain Vite library builds rather than electron-vite: one tool and one config for every target, and
 * nothing that needs an Electron binary to build (docs/architecture.md and docs/server.md say more).
 */
const root = import.meta.dirname;
const nativeModules = [
  'electron',
  'keytar',
  'better-sqlite3',
  'argon2',
  'uiohook-napi',
  '@whoot/udp-batch',
  '@whoot/blob-seal',
];
// dbus-next's optional extras, never installed: it requires them only for a missing or abstract bus address, and
// whoot always hands it a plain socket (main/input/dbusAddress.ts), so they stay unresolved requires in the bundle.
const unusedOptionalModules = ['usocket', 'x11'];
const nodeExternals = [/^node:/, ...builtinModules, ...nativeModules, ...unusedOptionalModules];

/** Writes the CSP into the built index.html, from the same definition main sends as a header. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'whoot-csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: rendererCspMeta },
        injectTo: 'head-prepend',
      },
    ],
  };
}

const targets: Record<string, () => UserConfig> = {
  renderer: () => ({
    root: resolve(root, 'renderer'),
    base: './',
    plugins: [react(), contentSecurityPolicy()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      target: 'chrome130',
      modulePreload: { polyfill: false },
    },
    server: { host: '127.0.0.1', strictPort: false },
  }),
  preload: () => ({
    build: {
      outDir: resolve(root, 'out/preload'),
      emptyOutDir: true,
      target: 'chrome130',
      minify: false,
      lib: { entry: resolve(root, 'preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  }),
  main: () => ({
    build: {
      outDir: resolve(root, 'out/main'),
      emptyOutDir: true,
      target: 'node22',
      ssr: true,
      minify: false,
      // keyHook.cjs: the push-to-talk key hook, run by main in its own utility process (main/input/keyHookEntry.ts).
      lib: {
        entry: { index: resolve(root, 'main/app/main.ts'), keyHook: resolve(root, 'main/input/keyHookEntry.ts') },
        formats: ['cjs'],
      },
      rollupOptions: {
        external: nodeExternals,
        output: { entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
      },
    },
    ssr: { noExternal: true, external: nativeModules },
  }),
  server: () => ({
    build: {
      outDir: resolve(root, 'out/server'),
      emptyOutDir: true,
      target: 'node22',
      ssr: true,
      minify: false,
      lib: {
        entry: { cli: resolve(root, 'main/server/cli.ts'), utility: resolve(root, 'main/server/utilityEntry.ts') },
        formats: ['cjs'],
      },
      rollupOptions: {
        external: nodeExternals,
        output: { entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
      },
    },
    ssr: { noExternal: true, external: nativeModules },
  }),
  harness: () => ({
    build: {
      outDir: resolve(root, 'out/harness'),
      emptyOutDir: true,
      target: 'chrome130',
      minify: false,
      lib: {
        entry: resolve(root, 'e2e/harness/bridgeEntry.ts'),
        formats: ['iife'],
        name: 'whootHarness',
        fileName: () => 'bridge.js',
      },
    },
  }),
};

export default defineConfig(({ mode }) => {
  const target = targets[mode] ?? targets['renderer'];
  if (!target) throw new Error(`unknown build mode ${mode}`);
  return target();
});
