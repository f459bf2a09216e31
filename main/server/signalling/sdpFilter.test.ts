import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isRelayCandidate,
  keepTrickledCandidate,
  parseIceCandidate,
  relayAddressSet,
  stripNonRelayCandidates,
} from './sdpFilter';

// Candidate strings as Chromium and Firefox hand them to `onicecandidate` (`RTCIceCandidate.candidate`).
const chromium = {
  hostMdns:
    'candidate:1467250027 1 udp 2122260223 0f4d5e7a-3b2c-4d1e-9a8b-7c6d5e4f3a2b.local 54321 typ host generation 0 ufrag Xy9z network-id 1',
  hostTcp:
    'candidate:2899236745 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0 ufrag Xy9z network-id 1',
  hostIpv6:
    'candidate:4233069003 1 udp 2122197247 2001:db8::1c2:3ff:fe45:6789 50000 typ host generation 0 ufrag Xy9z network-id 2',
  srflx:
    'candidate:842163049 1 udp 1677729535 203.0.113.77 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Xy9z network-cost 999',
  prflx: 'candidate:1916410924 1 udp 1853817087 203.0.113.5 40000 typ prflx raddr 192.168.1.2 rport 40000 generation 0',
  relayUdp:
    'candidate:3591394571 1 udp 41885439 198.51.100.10 50123 typ relay raddr 203.0.113.77 rport 61234 generation 0 ufrag Xy9z network-id 1 network-cost 10',
  relayTcp:
    'candidate:1234567890 1 tcp 25108223 198.51.100.10 443 typ relay raddr 0.0.0.0 rport 0 tcptype passive generation 0 ufrag Xy9z network-id 1',
} as const;
const firefox = {
  host: 'candidate:0 1 UDP 2122252543 a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.local 56783 typ host',
  relay: 'candidate:3 1 UDP 92217343 198.51.100.10 61652 typ relay raddr 198.51.100.10 rport 61652',
} as const;

const CRLF = '\r\n';
/** A Chromium audio offer after gathering, with every candidate type in its m-section. */
const offerLines = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 7a1c5e2f-9b3d-4e6a-8f0c-1d2e3f4a5b6c',
  'm=audio 50123 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 198.51.100.10',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 0f4d5e7a-3b2c-4d1e-9a8b-7c6d5e4f3a2b.local 54321 typ host generation 0 network-id 1',
  'a=candidate:2899236745 1 tcp 1518280447 0f4d5e7a-3b2c-4d1e-9a8b-7c6d5e4f3a2b.local 9 typ host tcptype active generation 0 network-id 1',
  'a=candidate:842163049 1 udp 1677729535 203.0.113.77 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999',
  'a=candidate:3591394571 1 udp 41885439 198.51.100.10 50123 typ relay raddr 0.0.0.0 rport 0 generation 0 network-id 1',
  'a=candidate:1234567890 1 tcp 25108223 198.51.100.10 443 typ relay raddr 0.0.0.0 rport 0 tcptype passive generation 0 network-id 1',
  'a=ice-ufrag:Xy9z',
  'a=ice-pwd:cVq3yH0mI4gR8fQ2kP7sN1wE',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 5B:3C:9D:1E:0F:8A:7B:6C:5D:4E:3F:2A:1B:0C:9D:8E:7F:6A:5B:4C:3D:2E:1F:0A:9B:8C:7D:6E:5F:4A:3B:2C',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendrecv',
  'a=msid:7a1c5e2f-9b3d-4e6a-8f0c-1d2e3f4a5b6c 3e9f0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=ssrc:2954786512 cname:Qm8l3t2s9xV0aB1c',
  'a=end-of-candidates',
];
const isNonRelayCandidateLine = (line: string) => line.startsWith('a=candidate:') && !line.includes(' typ relay ');

describe('parseIceCandidate', () => {
  it('reads every field of Chromium and Firefox candidates', () => {
    expect(parseIceCandidate(chromium.srflx)).toEqual({
      foundation: '842163049',
      component: 1,
      transport: 'udp',
      priority: 1677729535,
      address: '203.0.113.77',
      port: 61234,
      type: 'srflx',
      relatedAddress: '0.0.0.0',
      relatedPort: 0,
      extensions: [
        ['generation', '0'],
        ['ufrag', 'Xy9z'],
        ['network-cost', '999'],
      ],
    });
    expect(parseIceCandidate(chromium.hostMdns)?.address).toBe('0f4d5e7a-3b2c-4d1e-9a8b-7c6d5e4f3a2b.local');
    expect(parseIceCandidate(chromium.hostIpv6)?.address).toBe('2001:db8::1c2:3ff:fe45:6789');
    expect(parseIceCandidate(chromium.relayTcp)?.extensions).toContainEqual(['tcptype', 'passive']);
    expect(parseIceCandidate(firefox.relay)).toMatchObject({ transport: 'UDP', type: 'relay', relatedPort: 61652 });
    expect(parseIceCandidate(`a=${chromium.relayUdp}`)?.type).toBe('relay');
  });

  it.each([
    ['empty', ''],
    ['no prefix', chromium.relayUdp.slice('candidate:'.length)],
    ['no type', 'candidate:1 1 udp 2122260223 192.0.2.1 54321'],
    ['typ without a value', 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ'],
    ['two spaces', 'candidate:1 1 udp 2122260223  192.0.2.1 54321 typ relay'],
    ['a tab', 'candidate:1 1 udp 2122260223\t192.0.2.1 54321 typ relay'],
    ['a trailing space', 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ relay '],
    ['a second line', `${chromium.relayUdp}\r\na=${chromium.hostTcp}`],
    ['a lone CR', `candidate:1 1 udp 1 192.0.2.1 5 typ relay\rhost`],
    ['port out of range', 'candidate:1 1 udp 2122260223 192.0.2.1 65536 typ relay'],
    ['priority out of range', 'candidate:1 1 udp 4294967296 192.0.2.1 5 typ relay'],
    ['component zero', 'candidate:1 0 udp 1 192.0.2.1 5 typ relay'],
    ['foundation too long', `candidate:${'a'.repeat(33)} 1 udp 1 192.0.2.1 5 typ relay`],
    ['foundation with a dash', 'candidate:a-b 1 udp 1 192.0.2.1 5 typ relay'],
    ['an IPv6 zone id', 'candidate:1 1 udp 1 fe80::1%eth0 5 typ relay'],
    ['a bracketed IPv6', 'candidate:1 1 udp 1 [2001:db8::1] 5 typ relay'],
    ['an odd extension', 'candidate:1 1 udp 1 192.0.2.1 5 typ relay generation'],
    ['a bad raddr', 'candidate:1 1 udp 1 192.0.2.1 5 typ relay raddr 999.1.1.1 rport 0'],
    ['two raddr', 'candidate:1 1 udp 1 192.0.2.1 5 typ relay raddr 0.0.0.0 raddr 0.0.0.0'],
    ['a non-numeric rport', 'candidate:1 1 udp 1 192.0.2.1 5 typ relay raddr 0.0.0.0 rport x'],
    ['too long', `candidate:1 1 udp 1 192.0.2.1 5 typ relay${' x y'.repeat(300)}`],
  ])('refuses a candidate with %s', (_what, candidate) => {
    expect(parseIceCandidate(candidate)).toBeNull();
  });
});

describe('relay-only candidate filter', () => {
  it('passes relay candidates and the end-of-candidates marker', () => {
    expect(keepTrickledCandidate(chromium.relayUdp)).toBe(true);
    expect(keepTrickledCandidate(chromium.relayTcp)).toBe(true);
    expect(keepTrickledCandidate(firefox.relay)).toBe(true);
    expect(keepTrickledCandidate('')).toBe(true);
    expect(isRelayCandidate('candidate:1 1 UDP 1 198.51.100.10 5 TYP RELAY')).toBe(true);
  });

  it('drops host (mDNS, TCP, IPv6), srflx and prflx candidates, and anything malformed', () => {
    for (const candidate of [chromium.hostMdns, chromium.hostTcp, chromium.hostIpv6, chromium.srflx, chromium.prflx]) {
      expect(keepTrickledCandidate(candidate)).toBe(false);
    }
    expect(keepTrickledCandidate(firefox.host)).toBe(false);
    expect(keepTrickledCandidate('candidate:1 1 udp 1 192.0.2.1 5 typ relay\r\n')).toBe(false);
    expect(keepTrickledCandidate(' ')).toBe(false);
  });

  it('with known relay addresses, drops a "relay" candidate naming any other address', () => {
    const policy = { relayAddresses: relayAddressSet(['198.51.100.10', '2001:DB8:0:0::10']) };
    expect(isRelayCandidate(chromium.relayUdp, policy)).toBe(true);
    expect(isRelayCandidate('candidate:1 1 udp 1 2001:db8::10 5 typ relay', policy)).toBe(true);
    expect(isRelayCandidate('candidate:1 1 udp 1 192.168.1.23 5 typ relay', policy)).toBe(false);
    expect(isRelayCandidate('candidate:1 1 udp 1 evil.example 5 typ relay', policy)).toBe(false);
  });
});

describe('stripNonRelayCandidates', () => {
  it('removes the host and srflx lines of a Chromium offer and keeps every other byte (CRLF)', () => {
    const sdp = offerLines.join(CRLF) + CRLF;
    const expected = offerLines.filter((line) => !isNonRelayCandidateLine(line)).join(CRLF) + CRLF;
    const stripped = stripNonRelayCandidates(sdp);
    expect(stripped).toBe(expected);
    expect(stripped).toContain('a=end-of-candidates\r\n');
    expect(stripped).toContain('tcptype passive');
    expect(stripped.split(CRLF).filter((line) => line.startsWith('a=candidate:'))).toHaveLength(2);
  });

  it('keeps LF-only line endings and an unterminated last line as they are', () => {
    const lines = offerLines.slice(0, 16);
    const expected = lines.filter((line) => !isNonRelayCandidateLine(line));
    expect(stripNonRelayCandidates(lines.join('\n'))).toBe(expected.join('\n'));
  });

  it('returns an SDP without candidates unchanged', () => {
    const sdp = offerLines.filter((line) => !line.startsWith('a=candidate')).join(CRLF) + CRLF;
    expect(stripNonRelayCandidates(sdp)).toBe(sdp);
  });

  it('does not let a host candidate hide behind a lone CR, a case change or leading space', () => {
    const relay = `a=${chromium.relayUdp.replace(' ufrag Xy9z', '')}`;
    const smuggled = [
      `v=0\r\n${relay}\ra=${chromium.hostTcp}\r\n`,
      `v=0\r\nA=${chromium.hostTcp}\r\n`,
      `v=0\r\na=CANDIDATE:1 1 udp 1 192.0.2.1 5 typ host\r\n`,
      `v=0\r\n a=${chromium.srflx}\r\n`,
      `v=0\r\na = ${chromium.srflx}\r\n`,
    ];
    expect(stripNonRelayCandidates(smuggled[0]!)).toBe(`v=0\r\n${relay}\r`);
    for (const sdp of smuggled.slice(1)) expect(stripNonRelayCandidates(sdp)).toBe('v=0\r\n');
  });

  it('never throws, only deletes whole lines, leaves no non-relay candidate and is idempotent', () => {
    const line = fc.oneof(
      fc.constantFrom(...offerLines, ...Object.values(chromium).map((c) => `a=${c}`)),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 40 }).map((s) => `a=candidate:${s}`),
    );
    const ending = fc.constantFrom('\r\n', '\n', '\r', '');
    fc.assert(
      fc.property(fc.array(fc.tuple(line, ending), { maxLength: 30 }), (parts) => {
        const sdp = parts.map(([l, e]) => l + e).join('');
        const stripped = stripNonRelayCandidates(sdp);
        expect(stripNonRelayCandidates(stripped)).toBe(stripped);
        const kept = stripped.split(/\r\n|\r|\n/);
        const all = new Set(sdp.split(/\r\n|\r|\n/));
        for (const keptLine of kept.filter((l) => l !== '')) {
          expect(all.has(keptLine)).toBe(true);
          if (/^\s*a\s*=\s*candidate/i.test(keptLine)) expect(isRelayCandidate(keptLine)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
