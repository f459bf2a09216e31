import { describe, expect, it } from 'vitest';
import { fingerprintOfSdp, fingerprintsInSdp, safetyCode, sameFingerprint } from './safetyCode';

const AB = { algorithm: 'sha-256', value: Array(32).fill('AB').join(':') };
const OF = { algorithm: 'sha-256', value: Array(32).fill('0F').join(':') };

describe('call safety code', () => {
  it('matches the value computed independently (Python hashlib, see docs/architecture.md)', async () => {
    expect(await safetyCode(AB, OF)).toBe('84519 40334 29558 20641 83296 33607');
  });

  it('is the same on both ends, whichever side computes it, and ignores hex case', async () => {
    expect(await safetyCode(OF, AB)).toBe(await safetyCode(AB, OF));
    expect(await safetyCode({ algorithm: 'SHA-256', value: AB.value.toLowerCase() }, OF)).toBe(
      await safetyCode(AB, OF),
    );
  });

  it('changes when either fingerprint changes by one byte', async () => {
    const tampered = { algorithm: 'sha-256', value: `00${OF.value.slice(2)}` };
    expect(await safetyCode(AB, tampered)).not.toBe(await safetyCode(AB, OF));
  });

  it('reads the one fingerprint of a bundled description and refuses ambiguity', () => {
    const sdp = `v=0\r\na=fingerprint:sha-256 ${AB.value}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 ${AB.value}\r\n`;
    expect(fingerprintOfSdp(sdp)).toEqual(AB);
    expect(fingerprintOfSdp(`${sdp}a=fingerprint:sha-256 ${OF.value}\r\n`)).toBeNull();
    expect(fingerprintOfSdp('v=0\r\n')).toBeNull();
    expect(fingerprintsInSdp('a=fingerprint:sha-256 <script>\r\na=fingerprint:sha-256 AB\r\n')).toEqual([]);
    expect(sameFingerprint(AB, { algorithm: 'SHA-256', value: AB.value.toLowerCase() })).toBe(true);
    expect(sameFingerprint(AB, OF)).toBe(false);
  });
});
