import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
/** axe-core's browser build, injected into the page under test (it runs inside Chromium, on the real DOM). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly failureSummary?: string }[];
}

export interface AxeReport {
  readonly screen: string;
  readonly violations: readonly AxeViolation[];
  readonly passes: number;
  /** Serious and critical: the ones the suite holds at zero. */
  readonly blocking: readonly AxeViolation[];
}

/** The WCAG 2.0–2.2 A and AA rules, the level whoot aims for. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe-core on what the page shows now and prints one line per screen (plus one per violation), so the suite's
 * output is the accessibility report the issue asks for. Returns the report; callers assert `blocking` is empty.
 */
export async function auditAccessibility(page: Page, screen: string): Promise<AxeReport> {
  // Evaluated over the DevTools protocol, which the app's CSP (script-src 'self') rightly does not let a tag do.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })) as {
      violations: AxeViolation[];
      passes: unknown[];
    };
  }, TAGS);
  const violations = result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target,
      ...(node.failureSummary === undefined ? {} : { failureSummary: node.failureSummary }),
    })),
  }));
  const blocking = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const counts = (['critical', 'serious', 'moderate', 'minor'] as const)
    .map((impact) => `${violations.filter((violation) => violation.impact === impact).length} ${impact}`)
    .join(', ');
  console.log(`axe ${screen}: ${counts} (${result.passes.length} rules passed)`);
  for (const violation of violations) {
    const where = violation.nodes
      .slice(0, 3)
      .map((node) => node.target.join(' '))
      .join(' | ');
    console.log(`  ${violation.impact ?? 'unknown'} ${violation.id}: ${violation.help} at ${where}`);
  }
  return { screen, violations, passes: result.passes.length, blocking };
}
