/**
 * The call safety code: both ends of a call derive it from the two DTLS certificate fingerprints they negotiated.
 * DTLS-SRTP only succeeds when each side's certificate matches the fingerprint the other side received, so a
 * signalling server that swaps fingerprints to sit in the middle must present its own certificates, and then the
 * two people see different codes. Reading the code aloud is the check (as with Signal's safety numbers).
 */

/** `sha-256 AB:CD:…` as SDP's a=fingerprint carries it and getStats' certificate stats report it. */
export interface CertificateFingerprint {
  readonly algorithm: string;
  readonly value: string;
}

export const SAFETY_CODE_GROUPS = 6;
export const SAFETY_CODE_GROUP_DIGITS = 5;

const FINGERPRINT_LINE = /^a=fingerprint:(\S+) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+)\s*$/;

/** Every a=fingerprint in a description, normalized (lower-case algorithm, upper-case hex). */
export function fingerprintsInSdp(sdp: string): CertificateFingerprint[] {
  const found = new Map<string, CertificateFingerprint>();
  for (const line of sdp.split(/\r?\n/)) {
    const [, algorithm, value] = FINGERPRINT_LINE.exec(line) ?? [];
    if (algorithm === undefined || value === undefined) continue;
    const fingerprint = normalizeFingerprint({ algorithm, value });
    found.set(`${fingerprint.algorithm} ${fingerprint.value}`, fingerprint);
  }
  return [...found.values()];
}

/** The one fingerprint a bundled description carries; null when it has none or disagrees with itself. */
export function fingerprintOfSdp(sdp: string): CertificateFingerprint | null {
  const all = fingerprintsInSdp(sdp);
  return all.length === 1 ? (all[0] ?? null) : null;
}

export function normalizeFingerprint(fingerprint: CertificateFingerprint): CertificateFingerprint {
  return { algorithm: fingerprint.algorithm.toLowerCase(), value: fingerprint.value.toUpperCase() };
}

export function sameFingerprint(a: CertificateFingerprint, b: CertificateFingerprint): boolean {
  const x = normalizeFingerprint(a);
  const y = normalizeFingerprint(b);
  return x.algorithm === y.algorithm && x.value === y.value;
}

function ascii(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index += 1) bytes[index] = text.charCodeAt(index) & 0x7f;
  return bytes;
}

/**
 * Six groups of five digits from SHA-256 over both fingerprints in a fixed order, so each end computes the same
 * code whichever side it is. 40 bits per group mod 100000 keeps the bias negligible (under 1e-7).
 */
export async function safetyCode(local: CertificateFingerprint, remote: CertificateFingerprint): Promise<string> {
  const [first, second] = [normalizeFingerprint(local), normalizeFingerprint(remote)]
    .map((fingerprint) => `${fingerprint.algorithm} ${fingerprint.value}`)
    .sort();
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', ascii(`whoot-safety-code-v1\n${first}\n${second}`)),
  );
  const groups: string[] = [];
  for (let group = 0; group < SAFETY_CODE_GROUPS; group += 1) {
    let value = 0;
    for (let byte = 0; byte < 5; byte += 1) value = value * 256 + (digest[group * 5 + byte] ?? 0);
    groups.push(String(value % 10 ** SAFETY_CODE_GROUP_DIGITS).padStart(SAFETY_CODE_GROUP_DIGITS, '0'));
  }
  return groups.join(' ');
}
