/** Vite bundles imported stylesheets; the renderer imports them only for that side effect. */
declare module '*.css';
