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

describe('revocation feed configuration', () => {
  const spkiPin = 'A'.repeat(43);

  it('takes an https host:port and the server key pin', () => {
    expect(parseRelayConfig({}).revocationFeed).toBeNull();
    const config = parseRelayConfig({ revocationFeed: { url: 'https://Whoot.example.com:8443', spkiPin } });
    expect(config.revocationFeed).toEqual({
      url: { host: 'whoot.example.com', port: 8443 },
      spkiPin,
      pollIntervalMs: 2000,
    });
    expect(parseRelayConfig({ revocationFeed: { url: 'https://[::1]', spkiPin } }).revocationFeed?.url).toEqual({
      host: '::1',
      port: 443,
    });
  });

  it('refuses plain http, paths, credentials, a bad pin and unknown keys', () => {
    for (const url of ['http://a.example:1', 'https://a.example/v1/other', 'https://u:p@a.example', 'a.example:443']) {
      expect(() => parseRelayConfig({ revocationFeed: { url, spkiPin } }), url).toThrow();
    }
    expect(() => parseRelayConfig({ revocationFeed: { url: 'https://a.example', spkiPin: 'short' } })).toThrow();
    expect(() => parseRelayConfig({ revocationFeed: { url: 'https://a.example', spkiPin, secret: 'x' } })).toThrow();
  });
});
