import type { Locator, Page } from 'playwright-core';
import { screenshot } from '../scenarios/appScenarios';

/** The window sizes the app promises to fit: its minimum, its default, and a common desktop. */
export const VIEWPORTS = [
  { width: 940, height: 600 },
  { width: 1100, height: 720 },
  { width: 1920, height: 1080 },
] as const;

export interface LayoutProblem {
  readonly element: string;
  readonly problem: string;
}

/**
 * Everything the page draws that sticks out of the viewport sideways, and whether the page scrolls sideways at all.
 * An element counts only where it is visible: content clipped by a container or an ellipsis inside the window is
 * that container's business (it truncates there), not an overflow of the window; what the page's root boxes clip is
 * cut off and counts. A container that scrolls sideways counts too (code blocks excepted).
 */
export async function horizontalOverflow(page: Page): Promise<LayoutProblem[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: { element: string; problem: string }[] = [];
    const describe = (element: Element) => {
      const id = element.id ? `#${element.id}` : '';
      const cls =
        typeof element.className === 'string' && element.className ? `.${element.className.split(' ')[0]}` : '';
      const text = (element.textContent ?? '').trim().slice(0, 40);
      return `${element.tagName.toLowerCase()}${id}${cls} "${text}"`;
    };
    if (document.documentElement.scrollWidth > width + 1) {
      problems.push({
        element: 'document',
        problem: `scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`,
      });
    }
    const visibleBox = (element: Element): { left: number; right: number } | null => {
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) return null;
      let left = rect.left;
      let right = rect.right;
      for (let parent = element.parentElement; parent !== null; parent = parent.parentElement) {
        // The page's own root boxes are the window: what they hide is cut off, not contained.
        if (parent === document.body || parent === document.documentElement || parent.id === 'root') break;
        const style = getComputedStyle(parent);
        if (style.overflowX !== 'visible' || style.clipPath !== 'none') {
          const clip = parent.getBoundingClientRect();
          left = Math.max(left, clip.left);
          right = Math.min(right, clip.right);
        }
        if (style.position === 'fixed' || parent.matches(':modal')) break;
      }
      return right - left <= 0 ? null : { left, right };
    };
    for (const element of document.body.querySelectorAll('*')) {
      const style = getComputedStyle(element);
      if (style.visibility !== 'visible' || style.display === 'none' || Number(style.opacity) === 0) continue;
      // A pane that scrolls sideways is a horizontal scrollbar inside the window (code blocks may; nothing else).
      const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
      if (scrolls && element.scrollWidth > element.clientWidth + 1 && !element.matches('pre, textarea, pre *')) {
        problems.push({
          element: describe(element),
          problem: `scrolls sideways: ${element.scrollWidth} > ${element.clientWidth}`,
        });
      }
      const box = visibleBox(element);
      if (box === null) continue;
      if (box.right > width + 1 || box.left < -1) {
        problems.push({
          element: describe(element),
          problem: `spans ${Math.round(box.left)}..${Math.round(box.right)} in a ${width} px wide window`,
        });
      }
    }
    return problems;
  });
}

/**
 * A control that must be usable: visible, wholly inside the window, not clipped by a container, not covered.
 * `scrollTo`: a control in a page that may scroll vertically (a long form) is first scrolled into view, as a person
 * would; everything else must be usable without scrolling.
 */
export async function controlProblem(control: Locator, options: { scrollTo?: boolean } = {}): Promise<string | null> {
  if ((await control.count()) === 0) return 'missing';
  if (options.scrollTo === true) await control.first().scrollIntoViewIfNeeded();
  return control.first().evaluate((element) => {
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return 'has no size';
    const { clientWidth, clientHeight } = document.documentElement;
    if (rect.left < -1 || rect.top < -1 || rect.right > clientWidth + 1 || rect.bottom > clientHeight + 1) {
      return `outside the ${clientWidth}×${clientHeight} window at ${Math.round(rect.left)},${Math.round(rect.top)}..${Math.round(rect.right)},${Math.round(rect.bottom)}`;
    }
    for (let parent = element.parentElement; parent !== null; parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const clip = parent.getBoundingClientRect();
        const outside =
          rect.left < clip.left - 1 ||
          rect.right > clip.right + 1 ||
          rect.top < clip.top - 1 ||
          rect.bottom > clip.bottom + 1;
        if (outside) return `cut off by its container ${parent.tagName.toLowerCase()}.${parent.className}`;
      }
      // A modal dialog or a fixed layer is drawn above its DOM ancestors, so they cannot clip it.
      if (style.position === 'fixed' || parent.matches(':modal')) break;
    }
    const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    if (hit === null || !(element === hit || element.contains(hit) || hit.contains(element))) {
      return `covered by ${hit?.tagName.toLowerCase() ?? 'nothing'}.${hit?.className ?? ''}`;
    }
    return null;
  });
}

/**
 * At each of the promised window sizes: the page must not overflow sideways and every primary control must be
 * usable; a screenshot of each size goes to test-results/e2e/{name}-{w}x{h}.png. Throws with every problem found.
 */
export async function assertFitsAtEverySize(
  page: Page,
  name: string,
  primaryControls: (
    page: Page,
  ) => readonly (readonly [string, Locator] | readonly [string, Locator, { scrollTo: true }])[],
  viewports: readonly { width: number; height: number }[] = VIEWPORTS,
): Promise<void> {
  const original = page.viewportSize();
  const failures: string[] = [];
  try {
    for (const viewport of viewports) {
      await page.setViewportSize(viewport);
      // Let layout and any ResizeObserver settle: two animation frames after the resize.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await screenshot(page, `${name}-${viewport.width}x${viewport.height}`);
      const size = `${viewport.width}×${viewport.height}`;
      for (const overflow of await horizontalOverflow(page)) {
        failures.push(`${size}: ${overflow.element} ${overflow.problem}`);
      }
      // Scrolling a control into view is the check's own doing: put every pane back, so the next size's screenshot
      // shows the screen as the person left it (a long form from its top), not where the last check scrolled.
      const restoreScroll = await page.evaluateHandle(() => {
        const panes = [...document.querySelectorAll('*')]
          .filter((element) => element.scrollHeight > element.clientHeight || element.scrollWidth > element.clientWidth)
          .map((element) => [element, element.scrollTop, element.scrollLeft] as const);
        return () => {
          for (const [element, top, left] of panes) {
            if (element.scrollTop !== top || element.scrollLeft !== left) element.scrollTo(left, top);
          }
        };
      });
      for (const [label, control, options] of primaryControls(page)) {
        const problem = await controlProblem(control, options);
        if (problem !== null) failures.push(`${size}: ${label} ${problem}`);
      }
      await page.evaluate((restore) => restore(), restoreScroll);
      await restoreScroll.dispose();
    }
  } finally {
    if (original !== null) await page.setViewportSize(original);
  }
  if (failures.length > 0) throw new Error(`${name} does not fit:\n${failures.join('\n')}`);
}
