import { describe, expect, it } from 'vitest';
import {
  inlineSuppressions,
  locateFinding,
  matchReviewed,
  parseReviewedList,
} from '../build/electronegativityReview.mjs';

/** Where Electronegativity would report `needle` in `source`: 1-based line, 0-based column of its first character. */
function at(source: string, needle: string): { line: number; column: number } {
  const index = source.indexOf(needle);
  if (index === -1) throw new Error(`${needle} is not in the source`);
  const before = source.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length };
}

function finding(check: string, file: string, source: string, needle: string) {
  const { line, column } = at(source, needle);
  return { check, file, ...locateFinding(source, file, line, column) };
}

const OPENER = `import { shell } from 'electron';
export function createLinkOpener() {
  return {
    open: (link: { url: string }) => shell.openExternal(link.url, { activate: true }),
  };
}
`;

const VERIFY = `export function pinServerCertificates(session: Session, vault: Vault): void {
  session.setCertificateVerifyProc((request, callback) => {
    callback(decide(request, vault.identity()));
  });
}
`;

const reviewedOpener = {
  check: 'OPEN_EXTERNAL_JS_CHECK',
  file: 'main/app/chatDesktop.ts',
  function: 'createLinkOpener > open',
  code: 'shell.openExternal(link.url, {activate: true})',
  reason: 'Only the links.open handler calls it, with a URL the link policy allowed.',
};

describe('locating an Electronegativity finding', () => {
  it('names the call and the named functions around it', () => {
    expect(locateFinding(OPENER, 'main/app/chatDesktop.ts', 4, 37)).toEqual({
      function: 'createLinkOpener > open',
      code: 'shell.openExternal(link.url, {activate: true})',
    });
  });

  it('keeps the same locator when the file is reformatted or edited elsewhere', () => {
    const reflowed = `// a new first line moves everything down
import { shell } from 'electron';
export function createLinkOpener() {
  return {
    open: (link: { url: string }) =>
      shell.openExternal(
        link.url,
        {   activate: true  },
      ),
  };
}
`;
    expect(finding('X', 'f.ts', reflowed, 'shell.openExternal')).toMatchObject({
      function: 'createLinkOpener > open',
      code: 'shell.openExternal(link.url, {activate: true})',
    });
  });

  it("leaves a callback's body out of the call, but not its parameters or the other arguments", () => {
    const located = finding('X', 'f.ts', VERIFY, 'session.setCertificateVerifyProc');
    expect(located).toMatchObject({
      function: 'pinServerCertificates',
      code: 'session.setCertificateVerifyProc((request, callback) => {…})',
    });
    const newBody = VERIFY.replace('decide(request, vault.identity())', 'decideOtherwise(request)');
    expect(finding('X', 'f.ts', newBody, 'session.setCertificateVerifyProc')).toEqual(located);
    const trustAll = VERIFY.replace('(request, callback) =>', '(_request, callback) => callback(0), () =>');
    expect(finding('X', 'f.ts', trustAll, 'session.setCertificateVerifyProc').code).not.toBe(located.code);
  });

  it('names a property finding by the property, and falls back to the line elsewhere', () => {
    const window = `export function createMainWindow(options: { preloadPath: string }) {
  return new BrowserWindow({ webPreferences: { preload: options.preloadPath, sandbox: true } });
}
`;
    expect(finding('PRELOAD_JS_CHECK', 'w.ts', window, 'preload:')).toMatchObject({
      function: 'createMainWindow',
      code: 'preload: options.preloadPath',
    });
    expect(locateFinding('<meta   http-equiv="x">\n', 'index.html', 1, 0)).toEqual({
      function: '(module)',
      code: '<meta http-equiv="x">',
    });
    expect(locateFinding('const a = 1;\n', 'a.ts', 9, 0)).toEqual({ function: '(module)', code: '' });
  });
});

describe('matching findings against the reviewed list', () => {
  const file = 'main/app/chatDesktop.ts';

  it('passes a reviewed finding and fails a new one', () => {
    const reviewed = finding('OPEN_EXTERNAL_JS_CHECK', file, OPENER, 'shell.openExternal');
    const fresh = finding('CERTIFICATE_VERIFY_PROC_JS_CHECK', 'main/app/pinnedCertificates.ts', VERIFY, 'session.');
    const result = matchReviewed([reviewed, fresh], [reviewedOpener]);
    expect(result.covered).toEqual([{ finding: reviewed, entry: reviewedOpener }]);
    expect(result.unreviewed).toEqual([fresh]);
    expect(result.stale).toEqual([]);
  });

  it('fails a reviewed call that moved into another function, and reports its entry as stale', () => {
    const moved = `import { shell } from 'electron';
export function openAnything(raw: string) {
  return shell.openExternal(raw, { activate: true });
}
`;
    const located = finding('OPEN_EXTERNAL_JS_CHECK', file, moved, 'shell.openExternal');
    const result = matchReviewed([located], [reviewedOpener]);
    expect(result.unreviewed).toEqual([located]);
    expect(result.stale).toEqual([reviewedOpener]);
  });

  it('fails a reviewed call whose argument changed', () => {
    const raw = OPENER.replace('link.url', 'String(link)');
    const located = finding('OPEN_EXTERNAL_JS_CHECK', file, raw, 'shell.openExternal');
    expect(matchReviewed([located], [reviewedOpener]).unreviewed).toEqual([located]);
  });

  it('covers one finding per entry, so a copy of a reviewed call beside it is unreviewed', () => {
    const twice = OPENER.replace(
      '  };',
      '    again: (link: { url: string }) => shell.openExternal(link.url, { activate: true }),\n  };',
    ).replace('again:', 'open:');
    const first = at(twice, 'shell.openExternal');
    const secondIndex = twice.indexOf('shell.openExternal', twice.indexOf('shell.openExternal') + 1);
    const secondLine = twice.slice(0, secondIndex).split('\n');
    const findings = [
      { check: 'OPEN_EXTERNAL_JS_CHECK', file, ...locateFinding(twice, file, first.line, first.column) },
      {
        check: 'OPEN_EXTERNAL_JS_CHECK',
        file,
        ...locateFinding(twice, file, secondLine.length, secondLine.at(-1)!.length),
      },
    ];
    expect(findings[0]).toEqual(findings[1]);
    const result = matchReviewed(findings, [reviewedOpener]);
    expect(result.covered).toHaveLength(1);
    expect(result.unreviewed).toHaveLength(1);
  });

  it('reports an entry that matches nothing as stale', () => {
    expect(matchReviewed([], [reviewedOpener])).toEqual({ covered: [], unreviewed: [], stale: [reviewedOpener] });
  });
});

describe('the reviewed list file', () => {
  it('accepts well-formed entries', () => {
    expect(parseReviewedList(JSON.stringify([reviewedOpener]))).toEqual([reviewedOpener]);
  });

  it.each([
    ['not JSON', '[{', /not valid JSON/],
    ['no reason', JSON.stringify([{ ...reviewedOpener, reason: undefined }]), /reason/],
    ['a short reason', JSON.stringify([{ ...reviewedOpener, reason: 'fine' }]), /reason/],
    ['a line number only', JSON.stringify([{ ...reviewedOpener, code: undefined, line: 13 }]), /code|line/],
    ['a path outside', JSON.stringify([{ ...reviewedOpener, file: '../elsewhere.ts' }]), /file/],
    ['an absolute path', JSON.stringify([{ ...reviewedOpener, file: '/etc/passwd' }]), /file/],
    ['a check id that is not one', JSON.stringify([{ ...reviewedOpener, check: 'open external' }]), /check/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseReviewedList(text)).toThrow(message);
  });
});

describe('inline suppressions', () => {
  it('finds eng-disable comments in either comment style', () => {
    const source = 'a();\nb(); // eng-disable OPEN_EXTERNAL_JS_CHECK\n/* ENG-DISABLE X */\n';
    expect(inlineSuppressions(source).map((found) => found.line)).toEqual([2, 3]);
    expect(inlineSuppressions('shell.openExternal(url);\n')).toEqual([]);
  });
});
