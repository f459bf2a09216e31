import { describe, expect, it } from 'vitest';
import { readErrorCode, readText, readXorAddress, writeErrorCode, writeXorAddress } from './attributes';
import { encodeChannelData, parseChannelData } from './channelData';
import { StunClass } from './constants';
import { bytesToIp, canonicalIp, ipToBytes } from './ipAddress';
import { decodeMessageType, encodeMessageType, encodeStun, parseStun } from './message';
import { createStreamFramer } from './streamFramer';

describe('IP text and bytes', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['fc00::1', 'fc00::1'],
  ])('%s -> %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
    expect(bytesToIp(ipToBytes(text)!)).toBe(canonical);
  });

  it('refuses what is not an IP literal', () => {
    for (const text of ['', 'localhost', '1.2.3', '::1%eth0', '1::2::3', '256.1.1.1'])
      expect(ipToBytes(text)).toBeNull();
  });

  it('XOR addresses round-trip for both families', () => {
    const tid = Buffer.from('0123456789abcdef01234567', 'hex');
    for (const address of ['203.0.113.9', '2001:db8::42']) {
      expect(readXorAddress(writeXorAddress({ address, port: 3478 }, tid), tid)).toMatchObject({ address, port: 3478 });
    }
    expect(readXorAddress(Buffer.from('0003000000000000', 'hex'), tid)).toBeNull();
    expect(readXorAddress(Buffer.from('000100000000000000', 'hex'), tid)).toBeNull();
  });
});

describe('attributes and header', () => {
  it('message types encode and decode every class', () => {
    for (const cls of [StunClass.request, StunClass.indication, StunClass.success, StunClass.error]) {
      for (const method of [0x001, 0x003, 0x009, 0xfff]) {
        expect(decodeMessageType(encodeMessageType(method, cls))).toEqual({ method, cls });
      }
    }
    expect(encodeMessageType(0x003, StunClass.error)).toBe(0x0113);
    expect(encodeMessageType(0x007, StunClass.indication)).toBe(0x0017);
  });

  it('ERROR-CODE round-trips and refuses impossible classes', () => {
    expect(readErrorCode(writeErrorCode(438))).toEqual({ code: 438, reason: 'Stale Nonce' });
    expect(readErrorCode(Buffer.from([0, 0, 7, 0]))).toBeNull();
    expect(readErrorCode(Buffer.from([0, 0, 4, 100]))).toBeNull();
  });

  it('text attributes refuse invalid UTF-8 and oversize values', () => {
    expect(readText(Buffer.from([0xc3, 0x28]), 10)).toBeNull();
    expect(readText(Buffer.from('abc'), 2)).toBeNull();
    expect(readText(Buffer.from('été'), 10)).toBe('été');
  });

  it('the parser refuses bad cookies, odd lengths, lying lengths and data after FINGERPRINT', () => {
    const tid = Buffer.alloc(12, 1);
    const good = encodeStun({ method: 1, cls: 0, transactionId: tid, attributes: [] }, { fingerprint: true });
    expect(parseStun(good).ok).toBe(true);
    const badCookie = Buffer.from(good);
    badCookie[4] = 0;
    expect(parseStun(badCookie)).toEqual({ ok: false, error: 'bad_cookie' });
    expect(parseStun(Buffer.concat([good, Buffer.alloc(4)]))).toEqual({ ok: false, error: 'bad_length' });
    const lying = encodeStun({
      method: 1,
      cls: 0,
      transactionId: tid,
      attributes: [{ type: 0x8022, value: Buffer.alloc(4) }],
    });
    lying.writeUInt16BE(200, 22);
    expect(parseStun(lying)).toEqual({ ok: false, error: 'truncated_attribute' });
    const wrongCrc = Buffer.from(good);
    wrongCrc[good.length - 1] = wrongCrc[good.length - 1]! ^ 1;
    expect(parseStun(wrongCrc)).toEqual({ ok: false, error: 'bad_fingerprint' });
  });
});

describe('ChannelData and stream framing', () => {
  it('parses padded and unpadded ChannelData; refuses lying lengths and reserved numbers', () => {
    const data = Buffer.from('hello');
    expect(parseChannelData(encodeChannelData(0x4001, data))).toMatchObject({ ok: true, message: { channel: 0x4001 } });
    const padded = encodeChannelData(0x4001, data, true);
    expect(padded.length).toBe(12);
    expect(parseChannelData(padded)).toMatchObject({ ok: true, message: { data } });
    expect(parseChannelData(Buffer.from([0x40, 0x00, 0x00, 0x09, 1, 2]))).toEqual({ ok: false, error: 'bad_length' });
    expect(parseChannelData(Buffer.from([0x50, 0x00, 0x00, 0x00]))).toEqual({ ok: false, error: 'bad_channel' });
  });

  it('splits a stream of STUN and padded ChannelData cut at every byte', () => {
    const stun = encodeStun({ method: 1, cls: 0, transactionId: Buffer.alloc(12), attributes: [] });
    const frames = [stun, encodeChannelData(0x4000, Buffer.from('abc'), true), stun];
    const stream = Buffer.concat(frames);
    const framer = createStreamFramer();
    const seen: string[] = [];
    for (const byte of stream) {
      expect(
        framer.push(Buffer.from([byte]), (kind, frame) => seen.push(`${kind}:${frame.toString('hex')}`)),
      ).toBeNull();
    }
    expect(seen).toEqual([
      `stun:${stun.toString('hex')}`,
      `channel:${frames[1]!.toString('hex')}`,
      `stun:${stun.toString('hex')}`,
    ]);
    expect(framer.buffered).toBe(0);
  });

  it('ends a stream that starts with neither kind or announces an oversize frame', () => {
    expect(createStreamFramer().push(Buffer.from([0x80, 0, 0, 0]), () => undefined)).toBe('bad_frame');
    expect(createStreamFramer({ maxFrameBytes: 100 }).push(Buffer.from([0x40, 0, 0xff, 0xff]), () => undefined)).toBe(
      'frame_too_large',
    );
  });

  it('judges a header by its first bytes: STUN needs the magic cookie, ChannelData must be expected', () => {
    const frames: string[] = [];
    const onFrame = (kind: string) => frames.push(kind);
    // 'GE' reads as channel 0x4745 and 'T ' as a length: refused before any length is waited for.
    const noChannels = createStreamFramer({ channelDataAllowed: () => false });
    expect(noChannels.push(Buffer.from('G'), onFrame)).toBe('bad_frame');
    // STUN's leading bits and an aligned length, but no cookie: refused once bytes 4-7 are in.
    const framer = createStreamFramer();
    expect(framer.push(Buffer.from('16030100c801', 'hex'), onFrame)).toBeNull();
    expect(framer.push(Buffer.from('0000', 'hex'), onFrame)).toBe('bad_frame');
    const stun = encodeStun({ method: 1, cls: 0, transactionId: Buffer.alloc(12), attributes: [] });
    expect(createStreamFramer({ channelDataAllowed: () => false }).push(stun, onFrame)).toBeNull();
    expect(frames).toEqual(['stun']);
  });
});
