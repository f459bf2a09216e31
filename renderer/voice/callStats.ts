/** One entry of an RTCStatsReport as plain data (what both Chromium and @roamhq/wrtc hand out). */
export type StatsEntry = Readonly<Record<string, unknown>> & { readonly id: string; readonly type: string };

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** What the call quality panel shows for one peer. Null where the stats do not say (yet). */
export interface CallQuality {
  readonly roundTripMs: number | null;
  readonly jitterMs: number | null;
  /** Percent of the packets expected from the peer since the call started that never arrived. */
  readonly lossPercent: number | null;
  readonly inboundKbps: number | null;
  readonly outboundKbps: number | null;
  readonly localCandidateType: CandidateType | null;
  readonly remoteCandidateType: CandidateType | null;
  /** The relay protocol of our relay candidate (udp, tcp, tls), when relayed. */
  readonly relayProtocol: string | null;
  /** True when both ends of the selected pair are relay candidates: no IP address of either user is exposed. */
  readonly relayed: boolean;
  /** 0 to 1, from inbound-rtp audioLevel. */
  readonly audioLevel: number;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  /** Fingerprints from the DTLS certificate stats, to cross-check what the SDP said. */
  readonly localCertificate: { readonly algorithm: string; readonly value: string } | null;
  readonly remoteCertificate: { readonly algorithm: string; readonly value: string } | null;
  /** The DTLS handshake's state: 'failed' when the peer's certificate does not match the announced fingerprint. */
  readonly dtlsState: string | null;
  /** When these figures were taken (the stats timestamp, milliseconds). */
  readonly at: number;
}

export const EMPTY_QUALITY: CallQuality = {
  roundTripMs: null,
  jitterMs: null,
  lossPercent: null,
  inboundKbps: null,
  outboundKbps: null,
  localCandidateType: null,
  remoteCandidateType: null,
  relayProtocol: null,
  relayed: false,
  audioLevel: 0,
  packetsReceived: 0,
  bytesReceived: 0,
  bytesSent: 0,
  localCertificate: null,
  remoteCertificate: null,
  dtlsState: null,
  at: 0,
};

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);
const candidateType = (value: unknown): CandidateType | null =>
  typeof value === 'string' && CANDIDATE_TYPES.has(value) ? (value as CandidateType) : null;

function selectedPair(byId: ReadonlyMap<string, StatsEntry>, entries: readonly StatsEntry[]): StatsEntry | null {
  // The spec's way is transport.selectedCandidatePairId; older libwebrtc builds (wrtc) only flag the pair.
  for (const entry of entries) {
    if (entry.type !== 'transport') continue;
    const pair = byId.get(str(entry['selectedCandidatePairId']) ?? '');
    if (pair !== undefined) return pair;
  }
  return (
    entries.find((entry) => entry.type === 'candidate-pair' && entry['selected'] === true) ??
    entries.find(
      (entry) => entry.type === 'candidate-pair' && entry['nominated'] === true && entry['state'] === 'succeeded',
    ) ??
    null
  );
}

function certificate(byId: ReadonlyMap<string, StatsEntry>, id: unknown) {
  const entry = byId.get(str(id) ?? '');
  const value = str(entry?.['fingerprint']);
  const algorithm = str(entry?.['fingerprintAlgorithm']);
  return value !== null && algorithm !== null ? { algorithm, value } : null;
}

/** Turns a stats report into the panel's figures; `previous` gives the bitrates (bytes over time between two). */
export function summarizeStats(entries: readonly StatsEntry[], previous: CallQuality | null): CallQuality {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const pair = selectedPair(byId, entries);
  const local = pair ? byId.get(str(pair['localCandidateId']) ?? '') : undefined;
  const remote = pair ? byId.get(str(pair['remoteCandidateId']) ?? '') : undefined;
  const inbound = entries.filter((entry) => entry.type === 'inbound-rtp' && entry['kind'] !== 'video');
  const outbound = entries.filter((entry) => entry.type === 'outbound-rtp' && entry['kind'] !== 'video');
  const transport = entries.find((entry) => entry.type === 'transport');

  const sum = (list: readonly StatsEntry[], key: string) =>
    list.reduce((total, entry) => total + (num(entry[key]) ?? 0), 0);
  const packetsReceived = sum(inbound, 'packetsReceived');
  const packetsLost = Math.max(0, sum(inbound, 'packetsLost'));
  const bytesReceived = sum(inbound, 'bytesReceived');
  const bytesSent = sum(outbound, 'bytesSent');
  const at =
    num(entries.find((entry) => entry.type === 'inbound-rtp' || entry.type === 'candidate-pair')?.['timestamp']) ?? 0;
  const elapsedSeconds = previous !== null && previous.at > 0 && at > previous.at ? (at - previous.at) / 1000 : null;
  const kbps = (now: number, before: number | undefined) =>
    elapsedSeconds === null || before === undefined ? null : Math.max(0, ((now - before) * 8) / 1000 / elapsedSeconds);
  const jitters = inbound.map((entry) => num(entry['jitter'])).filter((value): value is number => value !== null);
  const levels = inbound.map((entry) => num(entry['audioLevel'])).filter((value): value is number => value !== null);
  const rtt = num(pair?.['currentRoundTripTime']);
  const localType = candidateType(local?.['candidateType']);
  const remoteType = candidateType(remote?.['candidateType']);

  return {
    roundTripMs: rtt === null ? null : rtt * 1000,
    jitterMs: jitters.length === 0 ? null : Math.max(...jitters) * 1000,
    lossPercent: packetsReceived + packetsLost === 0 ? null : (100 * packetsLost) / (packetsReceived + packetsLost),
    inboundKbps: kbps(bytesReceived, previous?.bytesReceived),
    outboundKbps: kbps(bytesSent, previous?.bytesSent),
    localCandidateType: localType,
    remoteCandidateType: remoteType,
    relayProtocol: localType === 'relay' ? str(local?.['relayProtocol']) : null,
    relayed: localType === 'relay' && remoteType === 'relay',
    audioLevel: levels.length === 0 ? 0 : Math.max(...levels),
    packetsReceived,
    bytesReceived,
    bytesSent,
    localCertificate: certificate(byId, transport?.['localCertificateId']),
    remoteCertificate: certificate(byId, transport?.['remoteCertificateId']),
    dtlsState: str(transport?.['dtlsState']),
    at,
  };
}

/** A stat's level if it is a media-source carrying one (audioLevel, 0 to 1), else null. */
const mediaSourceLevel = (value: unknown): number | null =>
  typeof value === 'object' &&
  value !== null &&
  (value as StatsEntry).type === 'media-source' &&
  typeof (value as StatsEntry)['audioLevel'] === 'number'
    ? ((value as StatsEntry)['audioLevel'] as number)
    : null;

/** The level of what we send (media-source audioLevel, 0 to 1), or null where the stats carry none. */
export function sentLevelOf(entries: readonly StatsEntry[]): number | null {
  for (const entry of entries) {
    const level = mediaSourceLevel(entry);
    if (level !== null) return level;
  }
  return null;
}

/** What RTCStatsReport offers in both runtimes (a maplike). */
export interface StatsReportLike {
  get(id: string): unknown;
  values(): Iterable<unknown>;
}

/**
 * The sent level from a sender's report, and the id of the stat it came from. Given the id a previous read found,
 * only that stat is built (report.get): the browser turns each stat it hands out into a fresh object, and a
 * whole report ten times a second was the costliest script the call ran (bench:client --profile).
 */
export function sentLevelFromReport(
  report: StatsReportLike,
  knownId: string | null,
): { readonly level: number; readonly id: string } | null {
  if (knownId !== null) {
    const level = mediaSourceLevel(report.get(knownId));
    if (level !== null) return { level, id: knownId };
  }
  for (const value of report.values()) {
    const level = mediaSourceLevel(value);
    if (level !== null) return { level, id: (value as StatsEntry).id };
  }
  return null;
}

/** Stats as plain entries: RTCStatsReport is a maplike in both runtimes. */
export function statsEntries(report: { forEach(callback: (value: unknown) => void): void }): StatsEntry[] {
  const entries: StatsEntry[] = [];
  report.forEach((value) => {
    if (typeof value === 'object' && value !== null && 'id' in value && 'type' in value) {
      entries.push({ ...(value as StatsEntry) });
    }
  });
  return entries;
}
