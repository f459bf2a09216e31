/** Types for build/electronegativityReview.mjs (plain JS so that `node build/auditElectron.mjs` runs as it is). */

export declare const REVIEWED_LIST: string;

/** An entry of build/electronegativity-reviewed.json: a finding a person reviewed and kept, and why. */
export interface ReviewedEntry {
  readonly check: string;
  readonly file: string;
  readonly function: string;
  readonly code: string;
  readonly reason: string;
}

export interface FindingLocator {
  /** `outer > inner` for the named functions around the finding, `(module)` at the top level. */
  readonly function: string;
  /** The call, `new` or property the finding points at, white space folded and function bodies as `{…}`. */
  readonly code: string;
}

export interface LocatedFinding extends FindingLocator {
  readonly check: string;
  readonly file: string;
}

export declare function parseReviewedList(text: string): ReviewedEntry[];
export declare function locateFinding(source: string, fileName: string, line: number, column: number): FindingLocator;
export declare function matchReviewed<F extends LocatedFinding>(
  findings: readonly F[],
  reviewed: readonly ReviewedEntry[],
): {
  covered: { finding: F; entry: ReviewedEntry }[];
  unreviewed: F[];
  stale: ReviewedEntry[];
};
export declare function inlineSuppressions(source: string): { line: number; text: string }[];
