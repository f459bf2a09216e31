import { describe, expect, it } from 'vitest';
import { signingMessage } from '../../shared/signedRequest';
import { CredentialVault } from './credentialVault';
import { createRequestSigner } from './requestSigner';

// Vectors computed independently with coreutils and OpenSSL (see docs/signed-requests.md), not with this code.
const KEY_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const CHANNEL = '0190f0b4-7c2e-7a1b-8c3d-4e5f60718293';
const vectors = [
  {
    operation: 'voice.credentials',
    resourceId: CHANNEL,
    timestamp: 1767225600,
    nonceHex: '00112233445566778899aabbccddeeff',
    body: `{"channelId":"${CHANNEL}"}`,
    bodySha256: '95cd6c90d4bcdcfca8473b5b1716c816fac3a4d364f7a33d4a0f17fd544d853e',
    signature: 'f0fd9b01d73f251c6160742c4576bb248a3e2b9038eedc074017f02dea8af63a',
  },
  {
    operation: 'session.signOut',
    resourceId: '',
    timestamp: 1767225600,
    nonceHex: 'ffeeddccbbaa99887766554433221100',
    body: '',
    bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    signature: 'a1a640c196760e37c128f0d0b5a73716f5beaf015d00b90e4345f172089a0f4a',
  },
];

const server = { host: 'voice.example.com', port: 8443, spkiPin: 'A'.repeat(43) };
const user = { id: '0190f0b4-7c2e-7a1b-8c3d-4e5f60718201', email: 'ada@example.com', displayName: 'Ada' };
const SESSION_ID = 'sess_0123456789abcdef';

function vaultWithKey(): CredentialVault {
  const vault = new CredentialVault();
  vault.establish({ server, sessionId: SESSION_ID, sessionSecret: Buffer.from(KEY_HEX, 'hex'), user, workspaces: [] });
  return vault;
}

describe('signed-request message format', () => {
  it('joins the six parts with newlines, version first', () => {
    expect(signingMessage({ operation: 'a.b', resourceId: 'r', timestamp: 12, nonce: 'n', bodySha256Hex: 'h' })).toBe(
      'v1\na.b\nr\n12\nn\nh',
    );
  });
});

describe('createRequestSigner', () => {
  it.each(vectors)('matches the fixed vector for $operation', (vector) => {
    const signer = createRequestSigner({
      vault: vaultWithKey(),
      now: () => vector.timestamp,
      nonce: () => Buffer.from(vector.nonceHex, 'hex'),
    });
    expect(signer.sign({ operation: vector.operation, resourceId: vector.resourceId, body: vector.body })).toEqual({
      'x-whoot-session': SESSION_ID,
      'x-whoot-timestamp': String(vector.timestamp),
      'x-whoot-nonce': vector.nonceHex,
      'x-whoot-signature': vector.signature,
    });
  });

  it('uses a fresh 128-bit nonce per request', () => {
    const signer = createRequestSigner({ vault: vaultWithKey() });
    const nonces = new Set(
      Array.from({ length: 50 }, () => signer.sign({ operation: 'a.b', resourceId: '', body: '' })['x-whoot-nonce']),
    );
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses to sign when signed out, and after the vault is wiped', () => {
    const vault = vaultWithKey();
    const signer = createRequestSigner({ vault });
    vault.wipe();
    expect(() => signer.sign({ operation: 'a.b', resourceId: '', body: '' })).toThrow(/Not signed in/);
  });

  it('refuses operation and resource ids that could smuggle a line into the signed message', () => {
    const signer = createRequestSigner({ vault: vaultWithKey() });
    expect(() => signer.sign({ operation: 'voice.credentials\nx', resourceId: '', body: '' })).toThrow();
    expect(() => signer.sign({ operation: 'voice.credentials', resourceId: 'a\nb', body: '' })).toThrow();
  });
});
