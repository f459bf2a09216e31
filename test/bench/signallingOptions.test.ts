import { describe, expect, it } from 'vitest';
import { parseSignallingBenchArgs, shapeFor } from '../../bench/support/signallingOptions';

/** `npm run bench:signalling -- ...`: sizes, workspaces and rooms are validated before any server starts. */
function parsed(argv: string[]) {
  const result = parseSignallingBenchArgs(argv);
  if (result === 'help' || !result.ok) throw new Error(`expected options, got ${JSON.stringify(result)}`);
  return result.value;
}

function refusal(argv: string[]): string {
  const result = parseSignallingBenchArgs(argv);
  if (result === 'help' || result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('bench:signalling options', () => {
  it('defaults to 1,000 clients in workspaces of 100 with 5 rooms of 20', () => {
    const options = parsed([]);
    expect(options.sizes).toEqual([
      { clients: 1000, workspaces: 10, roomsPerWorkspace: 5, smallestRoom: 20, largestRoom: 20 },
    ]);
    expect(options.connectOnly).toBe(false);
    expect(options.timeoutMs(1000)).toBe(170_000);
  });

  it('runs a ladder of sizes, keeping workspaces of 100 unless --workspaces fixes their number', () => {
    expect(parsed(['--clients', '1000,2500,10000']).sizes.map((s) => s.workspaces)).toEqual([10, 25, 100]);
    const fixed = parsed(['--clients', '1000,2000', '--workspaces', '20', '--rooms', '4', '--only', 'connect']);
    expect(fixed.sizes.map((s) => [s.workspaces, s.roomsPerWorkspace, s.largestRoom])).toEqual([
      [20, 4, 13],
      [20, 4, 25],
    ]);
    expect(fixed.connectOnly).toBe(true);
    expect(parsed(['--clients', '300', '--timeout', '30']).timeoutMs(300)).toBe(30_000);
  });

  it('answers --help with the usage', () => {
    expect(parseSignallingBenchArgs(['--help'])).toBe('help');
  });

  it('refuses sizes, counts and options it cannot run, saying why', () => {
    expect(refusal(['--clients', '1000,500'])).toMatch(/grow from left to right/);
    expect(refusal(['--clients', '10k'])).toMatch(/numbers separated by commas/);
    expect(refusal(['--clients', '0'])).toMatch(/numbers separated by commas/);
    expect(refusal(['--clients', '300000'])).toMatch(/at most 200000/);
    expect(refusal(['--rooms=-1'])).toBe('--rooms takes a whole number');
    expect(refusal(['--workspaces', '2.5'])).toMatch(/--workspaces takes a whole number/);
    expect(refusal(['--clients', '1000', '--workspaces', '1'])).toMatch(/200 in a room; the server allows 50/);
    expect(refusal(['--clients', '100', '--workspaces', '100'])).toMatch(/leaves a room with 0/);
    expect(refusal(['--clients', '10', '--workspaces', '20'])).toMatch(/cannot fill 20 workspaces/);
    expect(refusal(['--only', 'load'])).toMatch(/--only takes "connect"/);
    expect(refusal(['--threads', '4'])).toMatch(/Unknown option '--threads'/);
  });

  it('spreads clients round-robin, so room sizes differ by one at most', () => {
    expect(shapeFor(1001, undefined, 5)).toMatchObject({ workspaces: 11, smallestRoom: 18, largestRoom: 19 });
  });
});
