import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { REPEATED_SIGNAL_WINDOW_MS, untilStopSignal } from './io';

/** A process stand-in for signals only: the real process cannot be signalled twice without ending the test run. */
function harness() {
  const source = new EventEmitter();
  let now = 1_000;
  const exits: number[] = [];
  const stopped = untilStopSignal(source, { now: () => now, exit: (code) => exits.push(code) });
  return {
    stopped,
    exits,
    signal: (name: NodeJS.Signals) => source.emit(name, name),
    advance: (ms: number) => (now += ms),
  };
}

describe('stopping on a signal', () => {
  it('resolves with the first signal', async () => {
    const h = harness();
    h.signal('SIGTERM');
    await expect(h.stopped).resolves.toBe('SIGTERM');
    expect(h.exits).toEqual([]);
  });

  it('takes copies of one Ctrl-C forwarded by npm and tsx as that one keystroke, even a moment late', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const h = harness();
    h.signal('SIGINT');
    h.signal('SIGINT');
    h.advance(REPEATED_SIGNAL_WINDOW_MS - 1);
    h.signal('SIGINT');
    await expect(h.stopped).resolves.toBe('SIGINT');
    expect(h.exits).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
  });

  it('exits at once on a signal after the window: the user asked again', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const h = harness();
    h.signal('SIGINT');
    h.advance(REPEATED_SIGNAL_WINDOW_MS);
    h.signal('SIGINT');
    expect(h.exits).toEqual([1]);
    expect(String(stderr.mock.calls[0]?.[0])).toBe('SIGINT again: exiting without waiting for connections to close\n');
    stderr.mockRestore();
  });
});
