import type { DoctorStep, DoctorStepId } from '../../../shared/doctor';
import type { EndpointName, ResponseOf } from '../../../shared/rest/endpoints';
import type { CallInput } from '../../session/apiClient';
import { errorMessage } from '../../../shared/errorMessage';
import { describeUnresolved, unresolvedName, unresolvedNameFix } from '../../session/nameResolution';

/** A signed contract call as the signed-in user: the app's session, or the command line's own sign-in. */
export type SignedCall = <N extends EndpointName>(
  name: N,
  input?: Omit<CallInput<N>, 'signer'>,
) => Promise<ResponseOf<N>>;

/** How many single-wait timeouts one step may take in all. */
const STEP_BUDGET = 4;

export class StepFailure extends Error {
  constructor(
    message: string,
    readonly fix: string | null,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/**
 * Runs one check and turns its outcome (or its failure) into a report step. `timeoutMs` bounds each network wait
 * inside the check, which reports precisely what did not answer; the step as a whole (several round trips) gets
 * a few times that before it is cut off with a generic message.
 */
export async function runStep(
  id: DoctorStepId,
  title: string,
  timeoutMs: number,
  check: () => Promise<string>,
  fix: (problem: string) => string | null,
): Promise<DoctorStep> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new StepFailure(`no answer within ${formatSeconds(timeoutMs * STEP_BUDGET)}`, null)),
        timeoutMs * STEP_BUDGET,
      );
    });
    const detail = await Promise.race([check(), deadline]);
    return { id, title, status: 'pass', detail, fix: null, ms: Date.now() - started };
  } catch (error) {
    const problem = describeFailure(error);
    const ownFix = error instanceof StepFailure ? error.fix : null;
    // A name that does not resolve is fixed in DNS, whatever port the step was about to open.
    const unresolved = unresolvedName(error);
    const stepFix = unresolved === null ? fix(problem) : unresolvedNameFix(unresolved);
    return { id, title, status: 'fail', detail: problem, fix: ownFix ?? stepFix, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

export function skipped(id: DoctorStepId, title: string, why: string): DoctorStep {
  return { id, title, status: 'skip', detail: why, fix: null, ms: null };
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** One sentence from an error: its own message when it is ours, else a fixed phrase for its code. */
export function describeFailure(error: unknown): string {
  if (error instanceof StepFailure) return error.message;
  const unresolved = unresolvedName(error);
  if (unresolved !== null) return describeUnresolved(unresolved);
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens on that port, or a firewall rejects it)';
    case 'ECONNRESET':
      return 'the connection was reset (a firewall or proxy cut it)';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the server';
    default:
      break;
  }
  const message = errorMessage(error, '');
  // Messages of this code base's own errors (API and pinned-TLS errors) are written for people; others are not.
  return message !== '' && message.length < 300 && /^[A-Z]/.test(message) ? message : 'failed';
}
