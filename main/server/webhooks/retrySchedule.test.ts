import { describe, expect, it } from 'vitest';
import { retryDelayMs, WEBHOOK_MAX_ATTEMPTS } from './retrySchedule';

describe('webhook retry schedule', () => {
  it('waits 1 min, 5 min, 30 min and 2 h after attempts 1 to 4, stretched by at most 10 %', () => {
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(5);
    const minutes = [1, 5, 30, 120];
    for (const [index, base] of minutes.entries()) {
      expect(retryDelayMs(index + 1, () => 0)).toBe(base * 60_000);
      expect(retryDelayMs(index + 1, () => 0.999_999)).toBe(Math.floor(base * 60_000 * 1.099_999_9));
    }
    // A manual redelivery's extra attempts wait the longest delay; nonsense randomness stays in bounds.
    expect(retryDelayMs(9, () => 0)).toBe(120 * 60_000);
    expect(retryDelayMs(1, () => 7)).toBe(66_000);
    expect(retryDelayMs(1, () => -1)).toBe(60_000);
  });
});
