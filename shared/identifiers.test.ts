import { describe, expect, it } from 'vitest';
import {
  hostSchema,
  keychainServiceFor,
  randomIdSchema,
  voiceClusterIdSchema,
  workspaceSlugSchema,
} from './identifiers';

describe('identifier rules', () => {
  it.each(['a', 'team-1', 'a'.repeat(64), '0-0'])('accepts slug %s', (slug) => {
    expect(workspaceSlugSchema.safeParse(slug).success).toBe(true);
  });

  it.each(['', '-a', 'a-', 'A', 'a_b', 'a@b', '../', '%2e%2e', 'a'.repeat(65), 'a b', 'é'])(
    'refuses slug %s',
    (slug) => {
      expect(workspaceSlugSchema.safeParse(slug).success).toBe(false);
    },
  );

  it.each(['eu-1', 'a', 'a'.repeat(64)])('accepts cluster id %s', (id) => {
    expect(voiceClusterIdSchema.safeParse(id).success).toBe(true);
  });

  it.each(['', 'A', 'a@b', '../', '%2e%2e', 'a'.repeat(65), 'a.b', 'a/b'])('refuses cluster id %s', (id) => {
    expect(voiceClusterIdSchema.safeParse(id).success).toBe(false);
  });

  it('accepts v4 and v7 UUIDs only', () => {
    expect(randomIdSchema.safeParse('0190f0b4-7c2e-7a1b-8c3d-4e5f60718293').success).toBe(true);
    expect(randomIdSchema.safeParse('9b2f7c1e-3d4a-4b5c-8d6e-7f8091a2b3c4').success).toBe(true);
    expect(randomIdSchema.safeParse('00000000-0000-1000-8000-000000000001').success).toBe(false);
    expect(randomIdSchema.safeParse('1').success).toBe(false);
  });

  it('normalises host case and refuses hosts that carry more than a host', () => {
    expect(hostSchema.parse('Voice.Example.COM')).toBe('voice.example.com');
    for (const bad of ['a/b', 'a:80', 'user@a', 'a b', '-a.com', 'a..b', '', 'x'.repeat(254)]) {
      expect(hostSchema.safeParse(bad).success, bad).toBe(false);
    }
    for (const bad of ['999.1.1.1', '1.2.3', '01.2.3.4', 'fe80::1%eth0', ':::', '1:2:3:4:5:6:7:8:9']) {
      expect(hostSchema.safeParse(bad).success, bad).toBe(false);
    }
    for (const good of ['::1', 'fc00::1', '2001:db8::8:800:200c:417a', '::ffff:192.0.2.1', '127.0.0.1', 'localhost']) {
      expect(hostSchema.safeParse(good).success, good).toBe(true);
    }
  });

  it('names one keychain entry per server', () => {
    expect(keychainServiceFor({ host: 'a.example', port: 443 })).toBe('whoot:a.example:443');
    expect(keychainServiceFor({ host: 'a.example', port: 8443 })).not.toBe(
      keychainServiceFor({ host: 'a.example', port: 443 }),
    );
  });
});
