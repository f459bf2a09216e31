// `npm run audit:electron`: Electronegativity over the app's own sources, failing on any HIGH or MEDIUM finding.
//
// A wrapper rather than the bare CLI, for three reasons found by running it: the CLI has no option to skip paths
// (`-s` is a severity, `-l` a list of checks), so `-i .` also scans out/ and dist/; the bundles there are the wrong
// thing to audit (bundling drops the `eng-disable` review comments and turns `new BrowserWindow` into
// `new electron.BrowserWindow`, which the window checks do not recognise); and the CLI exits 0 whatever it finds.
// Scanning main/ or preload/ alone is no answer either: the global checks then report "no navigation limits" or
// "no permission handler" because those live in another folder. So the app's folders are copied, without tests,
// into one temporary tree and scanned together.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCES = ['main', 'preload', 'renderer', 'shared', 'package.json'];
const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;
const MEDIUM = 2;

const run = createRequire(import.meta.url)('@doyensec/electronegativity');

const scanRoot = mkdtempSync(join(tmpdir(), 'whoot-electronegativity-'));
let exitCode = 0;
try {
  for (const source of SOURCES) {
    cpSync(join(projectRoot, source), join(scanRoot, source), {
      recursive: true,
      filter: (path) => !TEST_FILE.test(path),
    });
  }
  // package.json is in the tree so Electronegativity reads the Electron version (45) and judges defaults by it.
  const result = await run({ input: scanRoot, customScan: [], excludeFromScan: [], parserPlugins: [] }, false);
  const where = (file) => (file === 'N/A' ? '(global)' : relative(scanRoot, file));

  const blocking = result.issues.filter((issue) => issue.severity.value >= MEDIUM);
  const parseErrors = result.errors.filter((error) => !error.tolerable);
  for (const issue of blocking) {
    const review = issue.manualReview ? ' [review required]' : '';
    console.log(`${issue.severity.name} ${issue.id}${review}`);
    console.log(`  ${where(issue.file)}:${issue.location.line}:${issue.location.column}  ${issue.shortenedURL ?? ''}`);
    console.log(`  ${issue.description}`);
  }
  // A file Electronegativity cannot parse is a file nobody audited.
  for (const error of parseErrors) console.log(`PARSE ERROR ${where(error.file)}: ${error.message}`);

  const lower = result.issues.length - blocking.length;
  console.log(
    `electronegativity: ${result.atomicChecks} atomic + ${result.globalChecks} global checks over ${SOURCES.join(', ')}; ` +
      `${blocking.length} HIGH/MEDIUM finding(s), ${parseErrors.length} parse error(s), ${lower} LOW/informational not shown.`,
  );
  if (blocking.length > 0 || parseErrors.length > 0) exitCode = 1;
} finally {
  rmSync(scanRoot, { recursive: true, force: true });
}
process.exit(exitCode);
