import { describe, expect, it } from 'vitest';
import { compareVersions, type UpdateFeed } from '../../shared/updates';
import { generateReleaseKeyPair, readReleasePrivateKey, signFeed } from '../crypto/releaseSignature';
import { formatFeed } from '../updateFeed/feedText';
import { rolloutBucket } from '../server/releases/rollout';
import { verifyOfferedFeed, type FeedExpectations } from './feedVerifier';

const pair = generateReleaseKeyPair();
const key = readReleasePrivateKey(pair.privateKeyPem);
const digest = 'A'.repeat(86);

function feedOf(overrides: Partial<UpdateFeed> = {}): UpdateFeed {
  const url = `${digest}/whoot-2.0.0.AppImage`;
  return {
    version: '2.0.0',
    files: [{ url, sha512: `${'A'.repeat(86)}==`, size: 10 }],
    path: url,
    sha512: `${'A'.repeat(86)}==`,
    releaseDate: '2026-12-06T00:00:00.000Z',
    channel: 'stable',
    serial: 100,
    ...overrides,
  };
}
const expectations: FeedExpectations = {
  publicKey: pair.publicKey,
  allowedChannels: ['stable'],
  platform: 'linux',
  currentVersion: '1.0.0',
  lastSerial: 0,
};
const offer = (text: string) => ({ feed: text, signature: signFeed(key, text) });

describe('verifyOfferedFeed', () => {
  it('accepts a newer signed feed, and reports the running version as current', () => {
    expect(verifyOfferedFeed(offer(formatFeed(feedOf())), expectations).kind).toBe('newer');
    expect(verifyOfferedFeed(offer(formatFeed(feedOf())), { ...expectations, currentVersion: '2.0.0' }).kind).toBe(
      'current',
    );
  });

  it('refuses a signature over other bytes, a malformed signature and another key', () => {
    const text = formatFeed(feedOf());
    const signed = offer(text);
    const reason = (verdict: ReturnType<typeof verifyOfferedFeed>) => verdict.kind === 'refused' && verdict.reason;
    expect(reason(verifyOfferedFeed({ ...signed, feed: `${text} ` }, expectations))).toBe('bad_signature');
    expect(reason(verifyOfferedFeed({ ...signed, signature: 'x' }, expectations))).toBe('bad_signature');
    const other = generateReleaseKeyPair().publicKey;
    expect(reason(verifyOfferedFeed(signed, { ...expectations, publicKey: other }))).toBe('bad_signature');
  });

  it('refuses what a correctly signed feed must still not do', () => {
    const cases: Array<[string, Partial<UpdateFeed> | string, Partial<FeedExpectations>]> = [
      ['malformed_feed', 'version: [1, 2]\n', {}],
      ['malformed_feed', '!!js/function "x"\n', {}],
      ['channel_not_allowed', { channel: 'beta' }, {}],
      ['platform_mismatch', {}, { platform: 'mac' }],
      ['replayed_feed', { serial: 99 }, { lastSerial: 100 }],
      ['downgrade', { version: '0.9.0' }, {}],
      ['downgrade', { version: '1.0.0-rc.1' }, {}],
    ];
    for (const [reason, feed, expect_] of cases) {
      const text = typeof feed === 'string' ? feed : formatFeed(feedOf(feed));
      const verdict = verifyOfferedFeed(offer(text), { ...expectations, ...expect_ });
      expect(verdict.kind === 'refused' && verdict.reason, reason).toBe(reason);
    }
  });
});

describe('compareVersions', () => {
  it('orders by semver precedence', () => {
    const ordered = [
      '0.9.9',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0',
      '1.0.1',
      '1.10.0',
    ];
    for (let i = 1; i < ordered.length; i += 1) {
      expect(compareVersions(ordered[i - 1] as string, ordered[i] as string), ordered[i]).toBeLessThan(0);
      expect(compareVersions(ordered[i] as string, ordered[i - 1] as string)).toBeGreaterThan(0);
    }
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
  });
});

describe('rolloutBucket', () => {
  it('is stable per release and installation and spreads installations over 0-99', () => {
    expect(rolloutBucket('r1', 'install-a')).toBe(rolloutBucket('r1', 'install-a'));
    const buckets = Array.from({ length: 2000 }, (_, i) => rolloutBucket('r1', `installation-${i}`));
    const underTen = buckets.filter((bucket) => bucket < 10).length;
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(100);
    // About a tenth: a 10 % rollout reaches about 10 % of installations (binomial, 2000 draws: well within 5-15 %).
    expect(underTen).toBeGreaterThan(100);
    expect(underTen).toBeLessThan(300);
  });
});
