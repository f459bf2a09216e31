import { describe, expect, it } from 'vitest';
import { hostServerRequested } from './hosting';

describe('hostServerRequested', () => {
  it('hosts when asked and the policy does not forbid it', () => {
    expect(hostServerRequested({ WHOOT_HOST_SERVER: '1' })).toEqual({ host: true, refusal: null });
    expect(hostServerRequested({ WHOOT_HOST_SERVER: '1' }, { hostLocalServer: true }).host).toBe(true);
    expect(hostServerRequested({}, {}).host).toBe(false);
  });

  it('does not host when the policy turns hosting off, and says why', () => {
    const decided = hostServerRequested({ WHOOT_HOST_SERVER: '1' }, { hostLocalServer: false });
    expect(decided.host).toBe(false);
    expect(decided.refusal).toMatch(/turned off by your organization/);
    expect(hostServerRequested({}, { hostLocalServer: false })).toEqual({ host: false, refusal: null });
  });
});
