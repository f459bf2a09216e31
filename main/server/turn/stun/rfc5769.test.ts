import { describe, expect, it } from 'vitest';
import { readXorAddress, readText } from './attributes';
import { Attr, StunClass, StunMethod } from './constants';
import { checkIntegrity, longTermKey } from './integrity';
import { encodeStun, getAttribute, parseStun, type StunMessage } from './message';

/** RFC 5769 test vectors, as hex with the RFC's line layout kept (one 32-bit word per group). */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const sampleRequest = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);

const sampleIpv4Response = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);

const sampleIpv6Response = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);

const sampleLongTermRequest = hex(`
  00010060 2112a442 78ad3433 c6ad72c0 29da412e
  00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
  0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
  0014000b 6578616d 706c652e 6f726700
  00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666`);

/** Short-term credentials (RFC 8489 section 9.1): the key is the password itself. */
const shortTermKey = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt', 'utf8');

function parsed(bytes: Buffer): StunMessage {
  const result = parseStun(bytes);
  if (!result.ok) throw new Error(`parse failed: ${result.error}`);
  return result.message;
}

describe('RFC 5769 test vectors', () => {
  it('2.1 sample request: header, attributes, MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const message = parsed(sampleRequest);
    expect(message.method).toBe(StunMethod.binding);
    expect(message.cls).toBe(StunClass.request);
    expect(message.transactionId.toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
    expect(message.fingerprint).toBe(true);
    expect(readText(getAttribute(message, Attr.SOFTWARE)!, 763)).toBe('STUN test client');
    expect(readText(getAttribute(message, Attr.USERNAME)!, 512)).toBe('evtj:h6vY');
    expect(message.attributes.map((attribute) => attribute.type)).toEqual([
      Attr.SOFTWARE,
      Attr.PRIORITY,
      Attr.ICE_CONTROLLED,
      Attr.USERNAME,
    ]);
    expect(checkIntegrity(message, shortTermKey)).toBe('ok');
    expect(checkIntegrity(message, Buffer.from('wrong'))).toBe('mismatch');
  });

  it('2.2 sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const message = parsed(sampleIpv4Response);
    expect(message.cls).toBe(StunClass.success);
    expect(readXorAddress(getAttribute(message, Attr.XOR_MAPPED_ADDRESS)!, message.transactionId)).toEqual({
      family: 4,
      address: '192.0.2.1',
      port: 32853,
    });
    expect(checkIntegrity(message, shortTermKey)).toBe('ok');
    expect(message.fingerprint).toBe(true);
  });

  it('2.3 sample IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const message = parsed(sampleIpv6Response);
    expect(readXorAddress(getAttribute(message, Attr.XOR_MAPPED_ADDRESS)!, message.transactionId)).toEqual({
      family: 6,
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
    expect(checkIntegrity(message, shortTermKey)).toBe('ok');
    expect(message.fingerprint).toBe(true);
  });

  it('2.4 sample request with long-term authentication: MD5(username:realm:password) key', () => {
    const message = parsed(sampleLongTermRequest);
    const username = readText(getAttribute(message, Attr.USERNAME)!, 512)!;
    expect(username).toBe('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9');
    expect(readText(getAttribute(message, Attr.REALM)!, 763)).toBe('example.org');
    expect(readText(getAttribute(message, Attr.NONCE)!, 763)).toBe('f//499k954d6OL34oL9FSTvy64sA');
    // The RFC's password after SASLprep; relay passwords are base64, which SASLprep leaves unchanged.
    expect(checkIntegrity(message, longTermKey(username, 'example.org', 'TheMatrIX'))).toBe('ok');
    expect(checkIntegrity(message, longTermKey(username, 'example.org', 'TheMatrix'))).toBe('mismatch');
  });

  it('the serializer reproduces the long-term request byte for byte (zero padding, same MESSAGE-INTEGRITY)', () => {
    const message = parsed(sampleLongTermRequest);
    const encoded = encodeStun(
      {
        method: message.method,
        cls: message.cls,
        transactionId: message.transactionId,
        attributes: message.attributes.map(({ type, value }) => ({ type, value })),
      },
      { integrity: { key: longTermKey('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9', 'example.org', 'TheMatrIX') } },
    );
    expect(encoded.toString('hex')).toBe(sampleLongTermRequest.toString('hex'));
  });

  it('the serializer reproduces the sample responses apart from padding bytes (the RFC pads with spaces)', () => {
    for (const sample of [sampleIpv4Response, sampleIpv6Response]) {
      const message = parsed(sample);
      const encoded = encodeStun(
        {
          method: message.method,
          cls: message.cls,
          transactionId: message.transactionId,
          attributes: message.attributes.map(({ type, value }) => ({ type, value })),
        },
        { integrity: { key: shortTermKey }, fingerprint: true },
      );
      const again = parsed(encoded);
      expect(again.fingerprint).toBe(true);
      expect(checkIntegrity(again, shortTermKey)).toBe('ok');
      expect(getAttribute(again, Attr.XOR_MAPPED_ADDRESS)).toEqual(getAttribute(message, Attr.XOR_MAPPED_ADDRESS));
      // SOFTWARE "test vector" is 11 bytes: only its pad byte differs, so the rest of the body must match.
      expect(encoded.subarray(0, 20)).toEqual(sample.subarray(0, 20));
      expect(encoded.subarray(36, 36 + (sample.length - 36 - 32))).toEqual(sample.subarray(36, sample.length - 32));
    }
  });

  it('a flipped bit anywhere breaks integrity or fingerprint', () => {
    for (let i = 20; i < sampleRequest.length; i += 1) {
      const copy = Buffer.from(sampleRequest);
      copy[i] = copy[i]! ^ 0x01;
      const result = parseStun(copy);
      expect(result.ok && result.message.fingerprint && checkIntegrity(result.message, shortTermKey) === 'ok').toBe(
        false,
      );
    }
  });
});
