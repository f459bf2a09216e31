import { describe, expect, it } from 'vitest';
import { relayAddressSet } from '../signalling/sdpFilter';
import { checkPublishOffer, checkSubscribeAnswer, mediaSections } from './sfuSdp';

const relay = { relayAddresses: relayAddressSet(['203.0.113.7']) };

function description(sections: readonly string[], eol = '\r\n'): string {
  return ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', ...sections].join(eol) + eol;
}

const audio = (mid: string, direction: string, extra: readonly string[] = []) =>
  [
    `m=audio 9 UDP/TLS/RTP/SAVPF 111`,
    'c=IN IP4 0.0.0.0',
    `a=mid:${mid}`,
    `a=${direction}`,
    'a=rtpmap:111 opus/48000/2',
    ...extra,
  ].join('\r\n');

const HOST = 'a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0';
const SRFLX = 'a=candidate:2 1 udp 1686052607 198.51.100.9 54321 typ srflx raddr 192.168.1.20 rport 54321';
const RELAY = 'a=candidate:3 1 udp 41885439 203.0.113.7 50000 typ relay raddr 0.0.0.0 rport 0';
const FAKE_RELAY = 'a=candidate:4 1 udp 41885439 192.168.1.20 50000 typ relay raddr 0.0.0.0 rport 0';

describe('what a member may put in front of the media server', () => {
  it('reads m-sections with their mid and direction, whatever ends the lines', () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const sdp = description([audio('0', 'sendonly'), 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=recvonly'], eol);
      expect(mediaSections(sdp.replaceAll('\r\n', eol))).toEqual([
        { kind: 'audio', port: '9', mid: '0', direction: 'sendonly' },
        { kind: 'video', port: '9', mid: '1', direction: 'recvonly' },
      ]);
    }
  });

  it('takes one sending audio m-line, and keeps only relay candidates of this relay', () => {
    const checked = checkPublishOffer(description([audio('0', 'sendonly', [HOST, SRFLX, RELAY, FAKE_RELAY])]), relay);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.value.mid).toBe('0');
    expect(checked.value.sdp).toContain(RELAY);
    for (const line of [HOST, SRFLX, FAKE_RELAY]) expect(checked.value.sdp).not.toContain(line);
  });

  it('refuses a second stream, video, data, a receiving m-line or no mid: a member publishes one microphone', () => {
    const refused = [
      description([audio('0', 'sendonly'), audio('1', 'sendonly')]),
      description([audio('0', 'sendonly'), 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly']),
      description(['m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0']),
      description([audio('0', 'sendrecv')]),
      description([audio('0', 'recvonly')]),
      description(['m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly']),
      description([]),
      'not an sdp at all',
    ];
    for (const sdp of refused)
      expect(checkPublishOffer(sdp, relay)).toMatchObject({ ok: false, error: { code: 'sdp_refused' } });
  });

  it('takes an answer of receiving audio m-lines only', () => {
    const answer = description([audio('0', 'recvonly', [HOST]), audio('1', 'inactive'), audio('2', 'recvonly')]);
    const checked = checkSubscribeAnswer(answer, relay);
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.value).not.toContain(HOST);
    for (const sdp of [
      description([audio('0', 'recvonly'), audio('1', 'sendrecv')]),
      description([audio('0', 'sendonly')]),
      description([audio('0', 'recvonly'), 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly']),
      description([]),
    ]) {
      expect(checkSubscribeAnswer(sdp, relay)).toMatchObject({ ok: false, error: { code: 'sdp_refused' } });
    }
  });
});
