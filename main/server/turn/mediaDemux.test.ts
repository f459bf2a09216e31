import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyRelayedPacket, passesServerMute } from './mediaDemux';
import { encodeChannelData } from './stun/channelData';
import { dtlsRecord, rtcpPacket as rtcp, rtpPacket, stunBindingRequest } from './testing/mediaPackets';

const rtp = (payloadType: number, marker = false, payloadBytes = 60) =>
  rtpPacket(payloadType, { marker, payloadBytes });

describe('classifyRelayedPacket (RFC 7983 with RFC 5761)', () => {
  it('tells STUN, DTLS, RTP and RTCP apart as WebRTC endpoints do', () => {
    expect(classifyRelayedPacket(stunBindingRequest())).toBe('stun');
    // DTLS 1.2 record headers: change cipher spec (20), alert (21), handshake (22), application data (23).
    for (const contentType of [20, 21, 22, 23]) expect(classifyRelayedPacket(dtlsRecord(contentType))).toBe('dtls');
    // Opus on its usual dynamic type, with and without the marker bit, and the audio-level-free minimum header.
    expect(classifyRelayedPacket(rtp(111))).toBe('rtp');
    expect(classifyRelayedPacket(rtp(111, true))).toBe('rtp');
    expect(classifyRelayedPacket(rtp(0))).toBe('rtp');
    expect(classifyRelayedPacket(rtp(96, true))).toBe('rtp');
    expect(classifyRelayedPacket(rtp(127, true, 0))).toBe('rtp');
    // SR, RR, SDES, BYE, transport and payload-specific feedback, XR.
    for (const type of [200, 201, 202, 203, 205, 206, 207]) expect(classifyRelayedPacket(rtcp(type, 1))).toBe('rtcp');
    expect(classifyRelayedPacket(Buffer.from([0x10, 0, 0, 0]))).toBe('zrtp');
    expect(classifyRelayedPacket(encodeChannelData(0x4000, Buffer.from('x')))).toBe('turn_channel');
  });

  it('puts the edges of every range where RFC 7983 and RFC 5761 put them', () => {
    const expected = (first: number, second: number): string => {
      if (first <= 3) return 'stun';
      if (first <= 15) return 'unknown';
      if (first <= 19) return 'zrtp';
      if (first <= 63) return 'dtls';
      if (first <= 79) return 'turn_channel';
      if (first <= 127) return 'unknown';
      if (first <= 191) return second >= 192 && second <= 223 ? 'rtcp' : 'rtp';
      return 'unknown';
    };
    for (let first = 0; first < 256; first++) {
      for (const second of [0, 111, 127, 128, 191, 192, 200, 223, 224, 255]) {
        const packet = Buffer.alloc(16);
        packet[0] = first;
        packet[1] = second;
        expect(classifyRelayedPacket(packet), `${first}/${second}`).toBe(expected(first, second));
      }
    }
  });

  it('does not take a packet too short for RTCP as RTCP, and never throws on hostile bytes', () => {
    expect(classifyRelayedPacket(Buffer.from([0x80, 200, 0, 1]))).toBe('rtp');
    expect(classifyRelayedPacket(Buffer.from([0x80]))).toBe('rtp');
    expect(classifyRelayedPacket(Buffer.alloc(0))).toBe('unknown');
    for (let i = 0; i < 2000; i++) {
      const packet = randomBytes(i % 40);
      expect(() => classifyRelayedPacket(packet)).not.toThrow();
    }
  });
});

describe('passesServerMute', () => {
  it('passes ICE, DTLS and RTCP and drops RTP and everything a WebRTC endpoint would not accept', () => {
    expect(passesServerMute(Buffer.from([0x00, 0x01, 0, 0]))).toBe(true);
    expect(passesServerMute(dtlsRecord(22))).toBe(true);
    expect(passesServerMute(dtlsRecord(23))).toBe(true);
    expect(passesServerMute(rtcp(201))).toBe(true);
    expect(passesServerMute(rtp(111))).toBe(false);
    expect(passesServerMute(rtp(111, true))).toBe(false);
    // Dressed as something else: ZRTP, a nested ChannelData frame, an unassigned range, nothing at all.
    expect(passesServerMute(Buffer.from([0x10, 0, 0, 0]))).toBe(false);
    expect(passesServerMute(Buffer.from([0x40, 0, 0, 1, 9]))).toBe(false);
    expect(passesServerMute(Buffer.from([0xc0, 200, 0, 1, 0, 0, 0, 0]))).toBe(false);
    expect(passesServerMute(Buffer.alloc(0))).toBe(false);
  });
});
