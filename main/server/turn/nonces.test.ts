import { describe, expect, it } from 'vitest';
import { createNonceIssuer } from './nonces';
import { tamperLastCharacter } from '../../../test/support/tamper';

describe('nonces', () => {
  it('are valid for their client until they expire, then stale; foreign or forged nonces are invalid', () => {
    let now = 1_000_000;
    const issuer = createNonceIssuer({ ttlSeconds: 60, now: () => now });
    const nonce = issuer.issue('udp|1.2.3.4|5');
    expect(issuer.check(nonce, 'udp|1.2.3.4|5')).toBe('valid');
    expect(issuer.check(nonce, 'udp|1.2.3.4|6')).toBe('invalid');
    expect(issuer.check(tamperLastCharacter(nonce), 'udp|1.2.3.4|5')).toBe('invalid');
    expect(issuer.check('junk', 'udp|1.2.3.4|5')).toBe('invalid');
    expect(createNonceIssuer({ ttlSeconds: 60, now: () => now }).check(nonce, 'udp|1.2.3.4|5')).toBe('invalid');
    now += 61_000;
    expect(issuer.check(nonce, 'udp|1.2.3.4|5')).toBe('stale');
  });
});
