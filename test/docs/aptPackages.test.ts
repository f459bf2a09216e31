import { describe, expect, it } from 'vitest';
import { projectFile } from './markdownSections';

/**
 * The README's set-up line is what a user runs and `.ci/run` is what CI runs: if they install different Debian
 * packages, CI passes on a machine the README does not describe (or the README asks for packages nothing needs).
 */
function aptPackages(script: string, where: string): string[] {
  const joined = script.replace(/\\\n/g, ' ');
  const lines = joined.split('\n').filter((line) => /apt-get install\b/.test(line));
  if (lines.length !== 1) throw new Error(`${where}: expected one apt-get install line, found ${lines.length}`);
  const words =
    (lines[0] ?? '')
      .split(/apt-get install\b/)[1]
      ?.split(/&&|;|\|/)[0]
      ?.trim()
      .split(/\s+/) ?? [];
  return words.filter((word) => !word.startsWith('-'));
}

describe('Debian packages', () => {
  it("the README's set-up line installs exactly what .ci/run installs", () => {
    const readme = aptPackages(projectFile('README.md'), 'README.md');
    const ci = aptPackages(projectFile('.ci/run'), '.ci/run');
    expect(readme.length).toBeGreaterThan(5);
    expect(new Set(readme).size).toBe(readme.length);
    expect([...readme].sort()).toEqual([...ci].sort());
  });

  it('reads a package list across continuation lines, without options or what follows the command', () => {
    expect(aptPackages('x\nsudo apt-get install -y a b \\\n  c --no-install-recommends && npm ci\n', 't')).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(() => aptPackages('apt-get install a\napt-get install b\n', 't')).toThrow(/found 2/);
  });
});
