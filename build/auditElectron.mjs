// `npm run audit:electron` (part of `npm test`): Electronegativity over the app's own sources, failing on any HIGH or
// MEDIUM finding that build/electronegativity-reviewed.json does not cover, on a reviewed entry that covers
// nothing any more, and on `eng-disable` comments (build/electronegativityReview.mjs says why).
//
// A wrapper rather than the bare CLI, for three reasons found by running it: the CLI has no option to skip paths
// (`-s` is a severity, `-l` a list of checks), so `-i .` also scans out/ and dist/; the bundles there are the wrong
// thing to audit (bundling turns `new BrowserWindow` into `new electron.BrowserWindow`, which the window checks do
// not recognise); and the CLI exits 0 whatever it finds. Scanning main/ or preload/ alone is no answer either: the
// global checks then report "no navigation limits" or "no permission handler" because those live in another
// folder. So the app's folders are copied, without tests, into one temporary tree and scanned together.
//
// One check is left out: AvailableSecurityFixesGlobalCheck downloads Electron's release list from GitHub on every
// run, so its verdict would depend on the day and the network rather than on this code (and a test run must not
// need the internet). Keeping Electron current is dependency upkeep, not a property of the sources.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  REVIEWED_LIST,
  inlineSuppressions,
  locateFinding,
  matchReviewed,
  parseReviewedList,
} from './electronegativityReview.mjs';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCES = ['main', 'preload', 'renderer', 'shared', 'package.json'];
const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;
const SCANNED_TEXT = /\.(?:[cm]?[jt]sx?|html)$/;
const MEDIUM = 2;
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

const run = createRequire(import.meta.url)('@doyensec/electronegativity');
const reviewed = parseReviewedList(readFileSync(join(projectRoot, REVIEWED_LIST), 'utf8'));

const scanRoot = mkdtempSync(join(tmpdir(), 'whoot-electronegativity-'));
let exitCode = 0;
try {
  const suppressions = [];
  for (const source of SOURCES) {
    cpSync(join(projectRoot, source), join(scanRoot, source), {
      recursive: true,
      filter: (path) => {
        if (TEST_FILE.test(path)) return false;
        if (SCANNED_TEXT.test(path)) {
          for (const found of inlineSuppressions(readFileSync(path, 'utf8'))) {
            suppressions.push({ file: relative(projectRoot, path), ...found });
          }
        }
        return true;
      },
    });
  }
  // package.json is in the tree so Electronegativity reads the Electron version (45) and judges defaults by it.
  const result = await run(
    { input: scanRoot, customScan: [], excludeFromScan: EXCLUDED_CHECKS, parserPlugins: [] },
    false,
  );
  const where = (file) => (file === 'N/A' ? '(global)' : relative(scanRoot, file));

  const blocking = result.issues
    .filter((issue) => issue.severity.value >= MEDIUM)
    .map((issue) => {
      const file = where(issue.file);
      const locator =
        file === '(global)'
          ? { function: '(global)', code: '' }
          : locateFinding(
              readFileSync(join(projectRoot, file), 'utf8'),
              file,
              issue.location.line,
              issue.location.column,
            );
      return { check: issue.id, file, ...locator, issue };
    });
  const { covered, unreviewed, stale } = matchReviewed(blocking, reviewed);
  const parseErrors = result.errors.filter((error) => !error.tolerable);

  for (const { check, file, function: inFunction, code, issue } of unreviewed) {
    const review = issue.manualReview ? ' [review required]' : '';
    console.log(`${issue.severity.name} ${check}${review}`);
    console.log(`  ${file}:${issue.location.line}:${issue.location.column}  ${issue.shortenedURL ?? ''}`);
    console.log(`  ${issue.description}`);
    console.log(`  not in ${REVIEWED_LIST}; fix it, or after review add:`);
    console.log(`  ${JSON.stringify({ check, file, function: inFunction, code, reason: '…' })}`);
  }
  for (const entry of stale) {
    console.log(`STALE REVIEW ${entry.check} in ${entry.file} (${entry.function}): ${entry.code}`);
    console.log(`  matches no finding any more: remove it from ${REVIEWED_LIST}, or review the call it became.`);
  }
  for (const found of suppressions) {
    console.log(`INLINE SUPPRESSION ${found.file}:${found.line}: ${found.text}`);
    console.log(`  eng-disable hides a finding from review; record reviewed findings in ${REVIEWED_LIST} instead.`);
  }
  // A file Electronegativity cannot parse is a file nobody audited.
  for (const error of parseErrors) console.log(`PARSE ERROR ${where(error.file)}: ${error.message}`);

  const lower = result.issues.length - blocking.length;
  console.log(
    `electronegativity: ${result.atomicChecks} atomic + ${result.globalChecks} global checks over ${SOURCES.join(', ')}; ` +
      `${blocking.length} HIGH/MEDIUM finding(s), ${covered.length} reviewed, ${unreviewed.length} unreviewed, ` +
      `${stale.length} stale review(s), ${suppressions.length} inline suppression(s), ${parseErrors.length} parse error(s), ` +
      `${lower} LOW/informational not shown.`,
  );
  if (unreviewed.length > 0 || stale.length > 0 || suppressions.length > 0 || parseErrors.length > 0) exitCode = 1;
} finally {
  rmSync(scanRoot, { recursive: true, force: true });
}
process.exit(exitCode);
