// The reviewed-exceptions list of `npm run audit:electron`: which HIGH/MEDIUM Electronegativity findings a person
// has reviewed and kept on purpose, and the matching that lets every other finding fail the run.
//
// A finding is named by what it is, not where it sits: the check, the file, the chain of named functions around it
// and the code it points at (a call with its arguments, or a property), so a reformat or an edit elsewhere in the
// file keeps the review while a reviewed call that moves into another function, changes its arguments or is copied
// is a new finding. Function arguments' bodies are left out of the code (`(request, callback) => {…}`): the body of
// a verify proc is logic under its own tests, the call that installs it is what the review is about.
import ts from 'typescript';
import { z } from 'zod';

export const REVIEWED_LIST = 'build/electronegativity-reviewed.json';

const reviewedEntrySchema = z.strictObject({
  check: z.string().regex(/^[A-Z0-9_]+$/, 'must be an Electronegativity check id such as OPEN_EXTERNAL_JS_CHECK'),
  file: z
    .string()
    .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_./-]+$/, 'must be a path relative to the project root'),
  function: z.string().min(1).max(200),
  code: z.string().min(1).max(500),
  reason: z.string().min(20, 'must say why the finding is acceptable (20 characters or more)').max(2000),
});
const reviewedListSchema = z.array(reviewedEntrySchema).max(100);

/** Parses the list's JSON text; throws with the first problem named (a broken list must stop the audit). */
export function parseReviewedList(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${REVIEWED_LIST} is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`, {
      cause: error,
    });
  }
  const parsed = reviewedListSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${REVIEWED_LIST}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
  }
  return parsed.data;
}

/** One space for any run of white space, and none where a formatter may or may not put one. */
function normaliseCode(text) {
  return text
    .replace(/\s+/g, ' ')
    .replace(/,\s*([)\]}])/g, '$1')
    .replace(/([([{])\s+/g, '$1')
    .replace(/\s+([)\]}])/g, '$1')
    .trim();
}

const FUNCTION_LIKE = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
]);

/** The name a function is known by: its own, or that of the variable or property it is assigned to. */
function functionName(node) {
  if (node.name !== undefined && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent !== undefined && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))) {
    if (ts.isIdentifier(parent.name)) return parent.name.text;
  }
  return null;
}

/** `outer > inner` for the named functions around a node; `(module)` at the top level. */
function enclosingFunctions(node) {
  const names = [];
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (!FUNCTION_LIKE.has(current.kind)) continue;
    const name = functionName(current);
    if (name !== null) names.unshift(name);
  }
  return names.length === 0 ? '(module)' : names.join(' > ');
}

/** The node's source with the bodies of functions inside it replaced by `{…}`. */
function codeWithoutFunctionBodies(node, sourceFile) {
  const start = node.getStart(sourceFile);
  const text = sourceFile.text;
  const bodies = [];
  const visit = (child) => {
    if ((ts.isArrowFunction(child) || ts.isFunctionExpression(child)) && child.body !== undefined) {
      bodies.push([child.body.getStart(sourceFile), child.body.getEnd()]);
      return;
    }
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  let out = '';
  let at = start;
  for (const [bodyStart, bodyEnd] of bodies) {
    out += `${text.slice(at, bodyStart)}{…}`;
    at = bodyEnd;
  }
  out += text.slice(at, node.getEnd());
  return normaliseCode(out);
}

/**
 * What a finding at `line` (1-based) and `column` (0-based, as Electronegativity reports them) in `source` points
 * at: the outermost call, `new` or property that starts there, else the line itself.
 */
export function locateFinding(source, fileName, line, column) {
  const kind = /\.tsx$/.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.[cm]?jsx?$/.test(fileName)
      ? ts.ScriptKind.JS
      : ts.ScriptKind.TS;
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, kind);
  const lines = source.split('\n');
  const lineText = lines[line - 1];
  if (lineText === undefined || line < 1) return { function: '(module)', code: '' };
  const position = sourceFile.getPositionOfLineAndCharacter(line - 1, Math.min(column, lineText.length));

  let target = null;
  const visit = (node) => {
    if (node.getStart(sourceFile) > position || node.getEnd() <= position) return;
    if (
      node.getStart(sourceFile) === position &&
      target === null &&
      (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isPropertyAssignment(node))
    ) {
      target = node;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (target === null) {
    // No call or property starts there (an HTML finding, a global one): the line is all there is to go by.
    return { function: '(module)', code: normaliseCode(lineText) };
  }
  return { function: enclosingFunctions(target), code: codeWithoutFunctionBodies(target, sourceFile) };
}

const keyOf = (item) => JSON.stringify([item.check, item.file, item.function, item.code]);

/**
 * Splits located findings (`{ check, file, function, code }`) into those a reviewed entry covers and those it does
 * not, and names the entries that cover nothing any more. Each entry covers one finding: a reviewed call copied
 * into the same function is a second finding, and the second is unreviewed.
 */
export function matchReviewed(findings, reviewed) {
  const unused = new Map();
  for (const entry of reviewed) {
    const key = keyOf(entry);
    unused.set(key, [...(unused.get(key) ?? []), entry]);
  }
  const covered = [];
  const unreviewed = [];
  for (const finding of findings) {
    const entries = unused.get(keyOf(finding)) ?? [];
    const entry = entries.shift();
    if (entry === undefined) unreviewed.push(finding);
    else covered.push({ finding, entry });
  }
  const stale = [...unused.values()].flat();
  return { covered, unreviewed, stale };
}

/**
 * Lines that silence a check inside the source (`eng-disable`): Electronegativity honours them before this list
 * ever sees the finding, so they would be exceptions nobody reviews in one place. They are refused instead.
 */
export function inlineSuppressions(source) {
  const found = [];
  source.split('\n').forEach((text, index) => {
    if (/eng-disable/i.test(text)) found.push({ line: index + 1, text: text.trim() });
  });
  return found;
}
