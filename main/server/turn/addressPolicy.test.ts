import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIp, isRelayablePeer, type PeerDecision, type PeerRefusalReason } from './addressPolicy';

const NONE: ReadonlySet<string> = new Set();
const OK: PeerDecision = { ok: true };
const refused = (reason: PeerRefusalReason): PeerDecision => ({ ok: false, reason });

/** Written out by hand (not computed by the code under test): first and last address of each range, then the
 * address just below and just above it with what that neighbour is. */
const IPV4_EDGES: [
  range: string,
  first: string,
  last: string,
  reason: PeerRefusalReason,
  below: [string, PeerDecision] | null,
  above: [string, PeerDecision] | null,
][] = [
  ['0.0.0.0/8', '0.0.0.0', '0.255.255.255', 'unspecified', null, ['1.0.0.0', OK]],
  ['10/8', '10.0.0.0', '10.255.255.255', 'private', ['9.255.255.255', OK], ['11.0.0.0', OK]],
  ['100.64/10', '100.64.0.0', '100.127.255.255', 'cgn', ['100.63.255.255', OK], ['100.128.0.0', OK]],
  ['127/8', '127.0.0.0', '127.255.255.255', 'loopback', ['126.255.255.255', OK], ['128.0.0.0', OK]],
  ['169.254/16', '169.254.0.0', '169.254.255.255', 'link_local', ['169.253.255.255', OK], ['169.255.0.0', OK]],
  ['172.16/12', '172.16.0.0', '172.31.255.255', 'private', ['172.15.255.255', OK], ['172.32.0.0', OK]],
  ['192.0.0/24', '192.0.0.0', '192.0.0.255', 'reserved', ['191.255.255.255', OK], ['192.0.1.0', OK]],
  ['192.0.2/24', '192.0.2.0', '192.0.2.255', 'documentation', ['192.0.1.255', OK], ['192.0.3.0', OK]],
  ['192.88.99/24', '192.88.99.0', '192.88.99.255', 'reserved', ['192.88.98.255', OK], ['192.88.100.0', OK]],
  ['192.168/16', '192.168.0.0', '192.168.255.255', 'private', ['192.167.255.255', OK], ['192.169.0.0', OK]],
  ['198.18/15', '198.18.0.0', '198.19.255.255', 'reserved', ['198.17.255.255', OK], ['198.20.0.0', OK]],
  ['198.51.100/24', '198.51.100.0', '198.51.100.255', 'documentation', ['198.51.99.255', OK], ['198.51.101.0', OK]],
  ['203.0.113/24', '203.0.113.0', '203.0.113.255', 'documentation', ['203.0.112.255', OK], ['203.0.114.0', OK]],
  ['224/4', '224.0.0.0', '239.255.255.255', 'multicast', ['223.255.255.255', OK], ['240.0.0.0', refused('reserved')]],
  ['240/4', '240.0.0.0', '255.255.255.254', 'reserved', ['239.255.255.255', refused('multicast')], null],
  [
    '255.255.255.255/32',
    '255.255.255.255',
    '255.255.255.255',
    'reserved',
    ['255.255.255.254', refused('reserved')],
    null,
  ],
];

const F = 'ffff:ffff:ffff:ffff:ffff:ffff';
const IPV6_EDGES: typeof IPV4_EDGES = [
  ['::/128', '::', '0:0:0:0:0:0:0:0', 'unspecified', null, ['::1', refused('loopback')]],
  [
    '::1/128',
    '::1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    'loopback',
    ['::', refused('unspecified')],
    ['::2', refused('reserved')],
  ],
  [
    'fc00::/7',
    'fc00::',
    `fdff:${F}:ffff`,
    'unique_local',
    [`fbff:${F}:ffff`, refused('reserved')],
    ['fe00::', refused('reserved')],
  ],
  [
    'fe80::/10',
    'fe80::',
    `febf:${F}:ffff`,
    'link_local',
    [`fe7f:${F}:ffff`, refused('reserved')],
    ['fec0::', refused('reserved')],
  ],
  ['ff00::/8', 'ff00::', `ffff:${F}:ffff`, 'multicast', [`feff:${F}:ffff`, refused('reserved')], null],
  ['2001:db8::/32', '2001:db8::', `2001:db8:${F}`, 'documentation', [`2001:db7:${F}`, OK], ['2001:db9::', OK]],
  ['Teredo 2001::/32', '2001::', `2001:0:${F}`, 'reserved', [`2000:ffff:${F}`, OK], ['2001:1::', OK]],
  [
    '2001:2::/48',
    '2001:2::',
    '2001:2:0:ffff:ffff:ffff:ffff:ffff',
    'reserved',
    ['2001:1:ffff:ffff:ffff:ffff:ffff:ffff', OK],
    ['2001:2:1::', OK],
  ],
  ['outside 2000::/3 below', '::3', `1fff:ffff:${F}`, 'reserved', null, ['2000::', OK]],
  ['outside 2000::/3 above', '4000::', `fbff:${F}:ffff`, 'reserved', [`3fff:ffff:${F}`, OK], null],
];

describe('isRelayablePeer: the issue list', () => {
  it.each([
    ['127.0.0.2', 'loopback'],
    ['10.0.0.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['192.168.1.1', 'private'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique_local'],
  ] as const)('refuses %s as %s', (address, reason) => {
    expect(isRelayablePeer(address, NONE)).toEqual(refused(reason));
  });

  it.each(['8.8.8.8', '2606:4700::1', '1.1.1.1', '2a00:1450:4001:80b::200e'])('allows the public address %s', (a) => {
    expect(isRelayablePeer(a, NONE)).toEqual(OK);
  });
});

describe.each([
  ['IPv4', IPV4_EDGES],
  ['IPv6', IPV6_EDGES],
])('isRelayablePeer: %s range edges', (_family, table) => {
  it.each(table)('%s', (_range, first, last, reason, below, above) => {
    expect(isRelayablePeer(first, NONE)).toEqual(refused(reason));
    expect(isRelayablePeer(last, NONE)).toEqual(refused(reason));
    if (below) expect(isRelayablePeer(below[0], NONE)).toEqual(below[1]);
    if (above) expect(isRelayablePeer(above[0], NONE)).toEqual(above[1]);
  });
});

describe('isRelayablePeer: IPv6 forms that carry an IPv4 destination', () => {
  it.each([
    // IPv4-mapped ::ffff:0:0/96: a dual-stack socket sends these to the IPv4 address.
    ['::ffff:127.0.0.1', refused('loopback')],
    ['::ffff:7f00:1', refused('loopback')],
    ['0:0:0:0:0:ffff:7f00:0001', refused('loopback')],
    ['::FFFF:169.254.169.254', refused('link_local')],
    ['::ffff:0.0.0.0', refused('unspecified')],
    ['::ffff:10.0.0.1', refused('private')],
    ['::ffff:255.255.255.255', refused('reserved')],
    ['::ffff:8.8.8.8', OK],
    ['::fffe:ffff:ffff', refused('reserved')],
    ['::1:0:0:0', refused('reserved')],
    // NAT64 well-known prefix 64:ff9b::/96: the gateway forwards to the embedded IPv4.
    ['64:ff9b::10.0.0.1', refused('private')],
    ['64:ff9b::a9fe:a9fe', refused('link_local')],
    ['64:ff9b::127.0.0.1', refused('loopback')],
    ['64:ff9b::8.8.8.8', OK],
    ['64:ff9b::1:0:0', refused('reserved')],
    ['64:ff9b:1::8.8.8.8', refused('reserved')],
    // 6to4 2002:AABB:CCDD::/48 tunnels to AA.BB.CC.DD.
    ['2002:c0a8:101::1', refused('private')],
    ['2002:7f00:1::', refused('loopback')],
    ['2002:a9fe:a9fe:1:2:3:4:5', refused('link_local')],
    ['2002::', refused('unspecified')],
    [`2002:ffff:${F}`, refused('reserved')],
    ['2002:808:808::1', OK],
    [`2001:ffff:${F}`, OK],
    ['2003::', OK],
    // Deprecated IPv4-compatible form: not a route to IPv4 on any current stack, so just not global unicast.
    ['::8.8.8.8', refused('reserved')],
    ['::127.0.0.1', refused('reserved')],
    ['fec0::1', refused('reserved')],
  ] as const)('%s', (address, decision) => {
    expect(isRelayablePeer(address, NONE)).toEqual(decision);
  });
});

describe('isRelayablePeer: strict parsing', () => {
  it.each([
    '',
    ' 8.8.8.8',
    '8.8.8.8 ',
    '8.8.8.8\n',
    '127.1',
    '2130706433',
    '0x7f.0.0.1',
    '010.0.0.1',
    '8.8.8.08',
    '1.2.3.256',
    '1.2.3',
    '1.2.3.4.5',
    '8.8.8.8:3478',
    '[::1]',
    '[::1]:3478',
    'fe80::1%eth0',
    '::1%1',
    ':::1',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    'g::1',
    '::ffff:1.2.3.04',
    '::ffff:1.2.3',
    'localhost',
    '٨.٨.٨.٨',
    '８.８.８.８',
    `${'0'.repeat(60)}::1`,
  ])('refuses %j as malformed', (address) => {
    expect(isRelayablePeer(address, NONE)).toEqual(refused('malformed'));
  });

  it('refuses non-strings without throwing (callers are typed, payloads may not be)', () => {
    expect(isRelayablePeer(undefined as unknown as string, NONE)).toEqual(refused('malformed'));
    expect(isRelayablePeer(2130706433 as unknown as string, NONE)).toEqual(refused('malformed'));
  });
});

describe('isRelayablePeer: this relay’s own relayed addresses', () => {
  it('allows an own relayed loopback or private address, and only that IP', () => {
    const own = new Set(['127.0.0.1', '10.1.2.3']);
    expect(isRelayablePeer('127.0.0.1', own)).toEqual(OK);
    expect(isRelayablePeer('10.1.2.3', own)).toEqual(OK);
    expect(isRelayablePeer('127.0.0.2', own)).toEqual(refused('loopback'));
    expect(isRelayablePeer('10.1.2.4', own)).toEqual(refused('private'));
    expect(isRelayablePeer('127.0.0.1', NONE)).toEqual(refused('loopback'));
  });

  it('matches by IP in canonical form, not by spelling', () => {
    const own = new Set(['::1', 'fd00::5']);
    expect(isRelayablePeer('0:0:0:0:0:0:0:1', own)).toEqual(OK);
    expect(isRelayablePeer('FD00:0:0::0005', own)).toEqual(OK);
  });

  it('keys are IPs: an ip:port entry allows nothing, and the mapped spelling of an own IPv4 is not own', () => {
    expect(isRelayablePeer('127.0.0.1', new Set(['127.0.0.1:50000']))).toEqual(refused('loopback'));
    expect(isRelayablePeer('::ffff:127.0.0.1', new Set(['127.0.0.1']))).toEqual(refused('loopback'));
  });

  it('never lets a malformed string through because the set holds the same string', () => {
    expect(isRelayablePeer('127.1', new Set(['127.1']))).toEqual(refused('malformed'));
    expect(isRelayablePeer('fe80::1%eth0', new Set(['fe80::1%eth0']))).toEqual(refused('malformed'));
  });
});

describe('canonicalIp', () => {
  it.each([
    ['8.8.8.8', '8.8.8.8'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::ffff:7f00:1', '::ffff:127.0.0.1'],
    ['::1.2.3.4', '::102:304'],
    ['fe80::1%eth0', null],
    ['127.1', null],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });
});

describe('isRelayablePeer: properties', () => {
  it('never throws for any string, and answers with a known shape', () => {
    const reasons = new Set(['loopback', 'private', 'cgn', 'link_local', 'multicast', 'unique_local', 'unspecified']);
    for (const r of ['documentation', 'reserved', 'malformed']) reasons.add(r);
    const anyText = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%[]'.split('')) }),
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
    );
    fc.assert(
      fc.property(anyText, fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string())), (address, own) => {
        const decision = isRelayablePeer(address, new Set(own));
        expect(decision.ok || reasons.has(decision.reason)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('parses every address fast-check generates, and the canonical form decides the same', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
        const canonical = canonicalIp(address);
        expect(canonical).not.toBeNull();
        expect(canonicalIp(canonical ?? '')).toBe(canonical);
        expect(isRelayablePeer(canonical ?? '', NONE)).toEqual(isRelayablePeer(address, NONE));
      }),
      { numRuns: 10_000 },
    );
  });

  it('agrees with node:net BlockList on every IPv4 address it samples', () => {
    const blocked = new BlockList();
    for (const [net, bits] of [
      ['0.0.0.0', 8],
      ['10.0.0.0', 8],
      ['100.64.0.0', 10],
      ['127.0.0.0', 8],
      ['169.254.0.0', 16],
      ['172.16.0.0', 12],
      ['192.0.0.0', 24],
      ['192.0.2.0', 24],
      ['192.88.99.0', 24],
      ['192.168.0.0', 16],
      ['198.18.0.0', 15],
      ['198.51.100.0', 24],
      ['203.0.113.0', 24],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
    ] as const) {
      blocked.addSubnet(net, bits, 'ipv4');
    }
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(isRelayablePeer(address, NONE).ok).toBe(!blocked.check(address, 'ipv4'));
        // The IPv4-mapped spelling is judged by the same rules.
        expect(isRelayablePeer(`::ffff:${address}`, NONE).ok).toBe(!blocked.check(address, 'ipv4'));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with node:net BlockList on IPv6 addresses outside the IPv4-carrying prefixes', () => {
    const blocked = new BlockList();
    for (const [net, bits] of [
      ['::', 128],
      ['::1', 128],
      ['fc00::', 7],
      ['fe80::', 10],
      ['ff00::', 8],
      ['2001:db8::', 32],
      ['2001::', 32],
      ['2001:2::', 48],
    ] as const) {
      blocked.addSubnet(net, bits, 'ipv6');
    }
    const globalUnicast = new BlockList();
    globalUnicast.addSubnet('2000::', 3, 'ipv6');
    const carriesIpv4 = new BlockList();
    carriesIpv4.addSubnet('::ffff:0:0', 96, 'ipv6');
    carriesIpv4.addSubnet('64:ff9b::', 96, 'ipv6');
    carriesIpv4.addSubnet('2002::', 16, 'ipv6');
    // Bias the first groups towards the interesting prefixes; uniform 128-bit values are nearly all reserved.
    const group = fc.integer({ min: 0, max: 0xffff });
    const first = fc.oneof(group, fc.constantFrom(0, 0x2000, 0x2001, 0x2002, 0x3fff, 0xfc00, 0xfdff, 0xfe80, 0xff02));
    const second = fc.oneof(group, fc.constantFrom(0, 1, 2, 0xdb8, 0xdb9));
    const address = fc
      .tuple(first, second, fc.array(group, { minLength: 6, maxLength: 6 }))
      .map(([a, b, rest]) => [a, b, ...rest].map((g) => g.toString(16)).join(':'));
    fc.assert(
      fc.property(address, (a) => {
        fc.pre(!carriesIpv4.check(a, 'ipv6'));
        const expected = globalUnicast.check(a, 'ipv6') && !blocked.check(a, 'ipv6');
        expect(isRelayablePeer(a, NONE).ok).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});
