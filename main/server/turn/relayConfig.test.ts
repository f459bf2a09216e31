import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSessionId } from '../auth/sessionTokens';
import { parseRelayConfig, readRelaySecret, relayOptionsFrom } from './relayConfig';
import { createRelay, type Relay } from './relayServer';
import { createMintedTurnTestClient } from './testing/turnTestClient';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

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

describe('nonce lifetime', () => {
  it('defaults to 600 s and takes 30 to 3600 whole seconds, from the JSON or --nonce-ttl', () => {
    expect(parseRelayConfig({}).nonceTtlSeconds).toBe(600);
    expect(parseRelayConfig({ nonceTtlSeconds: 30 }).nonceTtlSeconds).toBe(30);
    expect(relayOptionsFrom(parseRelayConfig({ nonceTtlSeconds: 3600 }), 'x').nonceTtlSeconds).toBe(3600);
    for (const bad of [29, 3601, 90.5, '600', null, -1]) {
      expect(() => parseRelayConfig({ nonceTtlSeconds: bad }), String(bad)).toThrow(/nonceTtlSeconds/);
    }
  });

  it('refuses an out-of-range lifetime when the relay is created in code, too', async () => {
    const options = relayOptionsFrom(parseRelayConfig({ udpPort: 0, tcpPort: null }), 's'.repeat(40));
    await expect(createRelay({ ...options, nonceTtlSeconds: 5 })).rejects.toThrow(/nonceTtlSeconds/);
  });

  it('is what the relay started from the configuration holds nonces to: valid before it, 438 after', async () => {
    const secret = 's'.repeat(40);
    let clock = Date.now();
    const config = parseRelayConfig({ udpPort: 0, tcpPort: null, nonceTtlSeconds: 45 });
    const relay: Relay = await createRelay({ ...relayOptionsFrom(config, secret), now: () => clock, log: () => {} });
    open.push(relay);
    const client = await createMintedTurnTestClient({
      server: relay.addresses.udp!,
      secret,
      userId: randomUUID(),
      sessionId: generateSessionId(),
      mintedAt: clock,
    });
    open.push(client);
    expect((await client.allocate()).relayed).not.toBeNull();
    clock += 44_000;
    expect((await client.refresh(600)).errorCode).toBeNull();
    clock += 2_000;
    expect((await client.refresh(600)).errorCode).toBe(438);
    expect((await client.refresh(600)).errorCode).toBeNull();
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
