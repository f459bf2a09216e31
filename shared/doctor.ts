import { z } from 'zod';

/**
 * The network doctor's report ("Test my connection", `npm run server -- doctor`): one step per path a call needs,
 * each passed, failed or skipped, with what was seen and, on failure, what to open in a firewall.
 */
export const doctorStepIds = ['tls', 'wss', 'stun', 'turn-udp', 'turn-tcp', 'turn-tls', 'relay'] as const;
export const doctorStepIdSchema = z.enum(doctorStepIds);
export type DoctorStepId = z.output<typeof doctorStepIdSchema>;

export const doctorStepSchema = z.strictObject({
  id: doctorStepIdSchema,
  title: z.string().max(200),
  status: z.enum(['pass', 'fail', 'skip']),
  /** What was observed: a protocol version and timing, an address, or exactly what went wrong. */
  detail: z.string().max(500),
  /** On failure, the firewall or proxy change that would let this step pass. */
  fix: z.string().max(500).nullable(),
  /** How long the step took, when it ran. */
  ms: z.number().int().min(0).nullable(),
});
export type DoctorStep = z.output<typeof doctorStepSchema>;

export const doctorReportSchema = z.strictObject({
  /** The server checked, as `host:port`. */
  server: z.string().max(300),
  ok: z.boolean(),
  steps: z.array(doctorStepSchema).max(doctorStepIds.length),
});
export type DoctorReport = z.output<typeof doctorReportSchema>;

/** One step as plain text: a status column, what was checked and seen, and on failure what to open. */
export function formatDoctorStep(step: DoctorStep): string[] {
  const timing = step.ms === null ? '' : ` (${step.ms} ms)`;
  const lines = [`${step.status.toUpperCase().padEnd(4)}  ${step.title}: ${step.detail}${timing}`];
  if (step.fix !== null) lines.push(`      ${step.fix}`);
  return lines;
}

export function doctorSummary(report: Pick<DoctorReport, 'ok'>): string {
  return report.ok ? 'All checks passed.' : 'Some checks failed: see above for what to fix.';
}

/** The report as plain text lines: what the command line prints and what a support request can paste. */
export function formatDoctorReport(report: DoctorReport): string[] {
  return [`whoot network doctor: ${report.server}`, ...report.steps.flatMap(formatDoctorStep), doctorSummary(report)];
}
