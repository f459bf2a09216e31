import type { Page } from 'playwright-core';

/**
 * Counts how often React re-renders the component that owns an element, in the production build, from outside the
 * app. Installed before the app loads, it plays the React DevTools hook (which react-dom calls after every commit,
 * production builds included) and, after each commit, looks at the props object React last applied to each watched
 * element: a component that re-rendered hands its elements a new props object even when the DOM ends up the same,
 * and one that bailed out leaves the old object in place. The app's own code is unchanged and exposes nothing.
 */
export const RENDER_PROBE_SCRIPT = `(() => {
  const watched = new Map();
  const propsOf = (element) => {
    const key = Object.keys(element).find((name) => name.startsWith('__reactProps$'));
    return key === undefined ? null : element[key];
  };
  const probe = {
    watch(selector) {
      const element = document.querySelector(selector);
      watched.set(selector, { props: element === null ? null : propsOf(element), renders: 0 });
    },
    renders(selector) {
      return watched.get(selector)?.renders ?? -1;
    },
  };
  Object.defineProperty(window, '__whootRenderProbe', { value: probe });
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject() {
      return 1;
    },
    onCommitFiberRoot() {
      for (const entry of watched.entries()) {
        const element = document.querySelector(entry[0]);
        const props = element === null ? null : propsOf(element);
        if (props !== entry[1].props) {
          entry[1].renders += 1;
          entry[1].props = props;
        }
      }
    },
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    checkDCE() {},
  };
})();`;

interface ProbeWindow {
  __whootRenderProbe: { watch(selector: string): void; renders(selector: string): number };
}

/** Starts counting the re-renders of whatever component renders the element `selector` finds. */
export async function watchRenders(page: Page, selector: string): Promise<void> {
  await page.evaluate((s) => (window as unknown as ProbeWindow).__whootRenderProbe.watch(s), selector);
}

/** Re-renders since `watchRenders`, or -1 if it was not watched. */
export async function renderCount(page: Page, selector: string): Promise<number> {
  return page.evaluate((s) => (window as unknown as ProbeWindow).__whootRenderProbe.renders(s), selector);
}
