import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServerSchema } from '../../../shared/rest/endpoints';
import {
  DEFAULT_TURN_TTL_SECONDS,
  iceServersFor,
  mintTurnCredentials,
  parseTurnUsername,
  relaySecretText,
  turnCredentialFor,
  verifyTurnCredential,
  type TurnCredentials,
} from './turnCredentials';

const SECRET = 'whoot-test-relay-secret-0123456789abcdef';
const USER = '0190f0b4-7c2e-7a1b-8c3d-4e5f60718201';
const OTHER_USER = '0190f0b4-7c2e-7a1b-8c3d-4e5f60718202';
const SESSION = 'c2Vzc2lvbi1pZC0wMTIzNDU2Nzg5YWJj';
const OTHER_SESSION = 'c2Vzc2lvbi1pZC0wMTIzNDU2Nzg5YWJk';
const NOW = 1_767_225_600;

/**
 * Computed at authoring time with OpenSSL, independently of this code:
 *   printf %s "$username" | openssl dgst -sha1 -hmac 'whoot-test-relay-secret-0123456789abcdef' -binary | base64
 */
const VECTORS = [
  {
    username: `1767226200:${USER}:${SESSION}`,
    credential: 'pRTCI0ST0AzY3XG4Kh7QzPoLA4I=',
  },
  {
    username: `1767226200:${OTHER_USER}:${SESSION}`,
    credential: 'rei5+yItCkdxSGhTYzf2dWqdHqg=',
  },
];

function minted(overrides: Partial<Parameters<typeof mintTurnCredentials>[0]> = {}): TurnCredentials {
  const result = mintTurnCredentials({ secret: SECRET, userId: USER, sessionId: SESSION, now: NOW, ...overrides });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('mintTurnCredentials', () => {
  it('matches the OpenSSL vectors', () => {
    expect(minted()).toEqual({
      username: VECTORS[0]!.username,
      credential: VECTORS[0]!.credential,
      expiresAt: NOW + 600,
      ttlSeconds: DEFAULT_TURN_TTL_SECONDS,
    });
    for (const vector of VECTORS) expect(turnCredentialFor(SECRET, vector.username)).toBe(vector.credential);
  });

  it('follows the TURN REST API recipe that coturn documents (timestamp:user, base64 HMAC-SHA1)', () => {
    // coturn README.turnserver, "TURN REST API": temporary-password = base64_encode(hmac-sha1(shared-secret,
    // temporary-username)). Recomputed here from the recipe with a differently built HMAC call.
    const { username, credential } = minted({ ttlSeconds: 3600, now: NOW + 0.9 });
    expect(username.split(':')[0]).toBe(String(NOW + 3600));
    const recipe = createHmac('sha1', Buffer.from(SECRET, 'latin1')).update(Buffer.from(username)).digest();
    expect(Buffer.from(credential, 'base64')).toEqual(recipe);
  });

  it('refuses bad ids, lifetimes and clocks with a message that carries no secret', () => {
    const bad = [
      { userId: 'ada' },
      { userId: USER.toUpperCase() },
      { userId: `${USER}:x` },
      { sessionId: 'short' },
      { sessionId: `${SESSION}:x` },
      { ttlSeconds: 0 },
      { ttlSeconds: 86_401 },
      { ttlSeconds: 1.5 },
      { now: Number.NaN },
      { now: -1 },
    ];
    for (const overrides of bad) {
      const result = mintTurnCredentials({ secret: SECRET, userId: USER, sessionId: SESSION, now: NOW, ...overrides });
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain(SECRET);
    }
  });

  it('refuses a weak or unprintable relay secret loudly (configuration, not client input)', () => {
    for (const secret of ['short', 'a'.repeat(31), `${'a'.repeat(32)} `, `${'a'.repeat(32)}\u0000`, 'é'.repeat(40)]) {
      expect(() => mintTurnCredentials({ secret, userId: USER, sessionId: SESSION, now: NOW })).toThrow(TypeError);
    }
  });

  it('turns the stored random secret into coturn-safe text', () => {
    const text = relaySecretText(new Uint8Array(32).fill(0xff));
    expect(text).toBe('_'.repeat(42) + '8');
    expect(() => mintTurnCredentials({ secret: text, userId: USER, sessionId: SESSION, now: NOW })).not.toThrow();
    expect(() => relaySecretText(new Uint8Array(8))).toThrow(TypeError);
  });
});

describe('parseTurnUsername', () => {
  it('reads the parts of a minted username', () => {
    expect(parseTurnUsername(minted().username)).toEqual({ expiresAt: NOW + 600, userId: USER, sessionId: SESSION });
  });

  it.each([
    '',
    `${NOW}:${USER}`,
    `${NOW}:${USER}:${SESSION}:extra`,
    `${NOW}::${USER}:${SESSION}`,
    `:${NOW}:${USER}:${SESSION}`,
    `${NOW}:${USER}:${SESSION}:`,
    `0${NOW}:${USER}:${SESSION}`,
    `-${NOW}:${USER}:${SESSION}`,
    `${NOW}.5:${USER}:${SESSION}`,
    `1${'0'.repeat(12)}:${USER}:${SESSION}`,
    ` ${NOW}:${USER}:${SESSION}`,
    `${NOW}:${USER.toUpperCase()}:${SESSION}`,
    `${NOW}:0190f0b4-7c2e-1a1b-8c3d-4e5f60718201:${SESSION}`, // UUID v1 (time-based) is not random
    `${NOW}:${USER}:short`,
    `${NOW}:${USER}:${'a'.repeat(65)}`,
    `${NOW}:${USER}:${SESSION}\n`,
    `${NOW}:${USER}:sess=${SESSION}`,
    `${SESSION}:${USER}:${NOW}`,
    `${NOW}:${USER}:${SESSION}${'x'.repeat(10_000)}`,
  ])('refuses %j', (username) => {
    expect(parseTurnUsername(username)).toBeNull();
  });

  it('refuses non-strings', () => {
    for (const value of [null, undefined, 42, [`${NOW}:${USER}:${SESSION}`]])
      expect(parseTurnUsername(value)).toBeNull();
  });
});

describe('verifyTurnCredential', () => {
  const { username, credential, expiresAt } = minted();
  const verify = (overrides: Partial<Parameters<typeof verifyTurnCredential>[0]> = {}) =>
    verifyTurnCredential({ secret: SECRET, username, credential, now: NOW, ...overrides });

  it('accepts what was minted and names the user and session', () => {
    expect(verify()).toEqual({ ok: true, userId: USER, sessionId: SESSION, expiresAt });
    expect(verifyTurnCredential({ secret: SECRET, ...VECTORS[1]!, now: NOW })).toMatchObject({ userId: OTHER_USER });
  });

  it('accepts up to and including the expiry second, as coturn does, and not one second later', () => {
    expect(verify({ now: expiresAt })).toMatchObject({ ok: true });
    expect(verify({ now: expiresAt + 1 })).toEqual({ ok: false, reason: 'expired' });
    expect(verify({ now: expiresAt + 0.5 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a username changed to another user, another session or a later expiry', () => {
    const tampered = [
      username.replace(USER, OTHER_USER),
      username.replace(SESSION, OTHER_SESSION),
      username.replace(String(expiresAt), String(expiresAt + 86_400)),
    ];
    for (const changed of tampered) {
      expect(parseTurnUsername(changed)).not.toBeNull();
      expect(verify({ username: changed })).toEqual({ ok: false, reason: 'bad_credential' });
      expect(verify({ username: changed, now: expiresAt + 10 })).toEqual({ ok: false, reason: 'bad_credential' });
    }
  });

  it('refuses credentials signed with another secret or altered', () => {
    expect(verify({ secret: `${SECRET}x` })).toEqual({ ok: false, reason: 'bad_credential' });
    const flipped = Buffer.from(credential, 'base64');
    flipped[0]! ^= 1;
    expect(verify({ credential: flipped.toString('base64') })).toEqual({ ok: false, reason: 'bad_credential' });
  });

  it('accepts any of several secrets during a rotation', () => {
    expect(verify({ secret: [`${SECRET}-new`, SECRET] })).toMatchObject({ ok: true });
    expect(verify({ secret: [`${SECRET}-new`, `${SECRET}-old`] })).toEqual({ ok: false, reason: 'bad_credential' });
    expect(() => verify({ secret: [] })).toThrow(TypeError);
  });

  it('calls anything else malformed, without throwing', () => {
    // The last of 27 base64 characters carries 2 unused bits: flipping one spells the same 20 bytes differently.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const nonCanonical = `${credential.slice(0, 26)}${alphabet[alphabet.indexOf(credential[26]!) ^ 1]}=`;
    expect(Buffer.from(nonCanonical, 'base64')).toEqual(Buffer.from(credential, 'base64'));
    const bad: Array<Partial<Parameters<typeof verifyTurnCredential>[0]>> = [
      { username: '' },
      { username: `${username}:x` },
      { username: 42 as unknown as string },
      { credential: '' },
      { credential: credential.slice(0, -1) },
      { credential: `${credential}=` },
      { credential: credential.replace('=', '') },
      { credential: Buffer.from(credential, 'base64').toString('hex') },
      { credential: null as unknown as string },
      { now: Number.NaN },
      { credential: nonCanonical },
    ];
    for (const overrides of bad) expect(verify(overrides)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('iceServersFor', () => {
  const credentials = minted();

  it('builds turn: and turns: URLs from a validated host and ports', () => {
    const result = iceServersFor({
      host: 'Relay.Example.COM',
      ports: { udp: 3478, tcp: 3478, tls: 5349 },
      credentials,
    });
    expect(result).toEqual({
      ok: true,
      value: {
        urls: [
          'turn:relay.example.com:3478?transport=udp',
          'turn:relay.example.com:3478?transport=tcp',
          'turns:relay.example.com:5349?transport=tcp',
        ],
        username: credentials.username,
        credential: credentials.credential,
      },
    });
    if (result.ok) expect(iceServerSchema.safeParse(result.value).success).toBe(true);
  });

  it('brackets IPv6 literals and offers only the transports given', () => {
    const v6 = iceServersFor({ host: '2001:DB8::1', ports: { udp: 3478 }, credentials });
    expect(v6).toMatchObject({ ok: true, value: { urls: ['turn:[2001:db8::1]:3478?transport=udp'] } });
    const v4 = iceServersFor({ host: '192.0.2.7', ports: { tls: 443 }, credentials });
    expect(v4).toMatchObject({ ok: true, value: { urls: ['turns:192.0.2.7:443?transport=tcp'] } });
  });

  it.each([
    'relay.example.com:3478',
    'relay.example.com?transport=tcp',
    'relay.example.com/x',
    'user@relay.example.com',
    '[::1]',
    'fe80::1%eth0',
    'relay example.com',
    'relay.example.com#x',
    '',
    'turn:relay.example.com',
  ])('refuses host %j', (host) => {
    expect(iceServersFor({ host, ports: { udp: 3478 }, credentials })).toMatchObject({ ok: false });
  });

  it('refuses bad ports, no ports and foreign credentials', () => {
    const host = 'relay.example.com';
    for (const ports of [{ udp: 0 }, { tcp: 65_536 }, { tls: 1.5 }, { udp: Number.NaN }, {}]) {
      expect(iceServersFor({ host, ports, credentials })).toMatchObject({ ok: false });
    }
    const foreign = [
      { username: 'alice', credential: credentials.credential },
      { username: credentials.username, credential: 'hunter2' },
    ];
    for (const creds of foreign) {
      expect(iceServersFor({ host, ports: { udp: 3478 }, credentials: creds })).toMatchObject({ ok: false });
    }
  });
});
