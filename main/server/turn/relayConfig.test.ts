import { describe, expect, it } from 'vitest';
import { parseRelayConfig, readRelaySecret, relayOptionsFrom } from './relayConfig';

describe('relay configuration', () => {
  it('fills defaults, refuses unknown keys and inverted port ranges', () => {
    const config = parseRelayConfig({ realm: 'example' });
    expect(config).toMatchObject({ listenIp: '127.0.0.1', udpPort: 3478, minPort: 49152, legacyChannelNumbers: false });
    expect(() => parseRelayConfig({ realmm: 'typo' })).toThrow(/realmm|Unrecognized/);
    expect(() => parseRelayConfig({ minPort: 6000, maxPort: 5000 })).toThrow(/minPort/);
  });

  it('takes the secret from WHOOT_RELAY_SECRET, never from the JSON', () => {
    const config = parseRelayConfig({});
    expect(readRelaySecret(config, { WHOOT_RELAY_SECRET: 's'.repeat(40) })).toBe('s'.repeat(40));
    expect(() => readRelaySecret(config, {})).toThrow(/WHOOT_RELAY_SECRET/);
    expect(() => parseRelayConfig({ secret: 'inline' })).toThrow();
    expect(relayOptionsFrom(config, 'x').relay).toEqual({
      address: '127.0.0.1',
      portRange: { min: 49152, max: 65535 },
    });
  });
});
