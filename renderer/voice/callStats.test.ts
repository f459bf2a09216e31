import { describe, expect, it } from 'vitest';
import { sentLevelFromReport, type StatsReportLike } from './callStats';

/** A report that counts the stats it hands out, as the browser builds a fresh object for each. */
function countingReport(stats: readonly Record<string, unknown>[]) {
  const byId = new Map(stats.map((stat) => [stat['id'] as string, stat]));
  const counts = { built: 0 };
  const report: StatsReportLike = {
    get(id) {
      const stat = byId.get(id);
      if (stat !== undefined) counts.built += 1;
      return stat === undefined ? undefined : { ...stat };
    },
    *values() {
      for (const stat of byId.values()) {
        counts.built += 1;
        yield { ...stat };
      }
    },
  };
  return { report, counts };
}

const senderStats = (level: number, sourceId = 'SA1') => [
  { id: 'CF1', type: 'certificate' },
  { id: 'OT1', type: 'outbound-rtp', bytesSent: 1200 },
  { id: 'P1', type: 'candidate-pair', currentRoundTripTime: 0.02 },
  { id: sourceId, type: 'media-source', kind: 'audio', audioLevel: level },
  { id: 'T1', type: 'transport' },
];

describe('sentLevelFromReport', () => {
  it('finds the media-source level by scanning, then reads only that stat by its id', () => {
    const first = countingReport(senderStats(0.25));
    expect(sentLevelFromReport(first.report, null)).toEqual({ level: 0.25, id: 'SA1' });
    expect(first.counts.built).toBe(4);

    const next = countingReport(senderStats(0.5));
    expect(sentLevelFromReport(next.report, 'SA1')).toEqual({ level: 0.5, id: 'SA1' });
    expect(next.counts.built).toBe(1);
  });

  it('scans again when the known id is gone (a new sender after a device change)', () => {
    const { report } = countingReport(senderStats(0.75, 'SA9'));
    expect(sentLevelFromReport(report, 'SA1')).toEqual({ level: 0.75, id: 'SA9' });
  });

  it('scans again when the known id now names a stat without a level', () => {
    const { report } = countingReport([{ id: 'SA1', type: 'outbound-rtp' }, ...senderStats(0.1, 'SA2')]);
    expect(sentLevelFromReport(report, 'SA1')).toEqual({ level: 0.1, id: 'SA2' });
  });

  it('is null when no media-source carries a level', () => {
    const { report } = countingReport([
      { id: 'OT1', type: 'outbound-rtp' },
      { id: 'SA1', type: 'media-source', kind: 'audio' },
    ]);
    expect(sentLevelFromReport(report, null)).toBeNull();
  });
});
