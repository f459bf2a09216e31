import { fail, ok, type Result } from '../../../shared/result';
import { stripNonRelayCandidates, type RelayPolicy } from '../signalling/sdpFilter';

/**
 * What a client may put in front of the media server. A member sends one thing: its microphone, as one audio
 * m-line; it receives only what the server subscribed it to. So an offer with a second m-line (a second stream, a
 * video or data channel), or an answer that turns a receiving m-line into something else, is refused before
 * Janus sees it, and every non-relay candidate is taken out whatever the channel's policy (the media server is
 * reachable through the relay only).
 */

interface MediaSection {
  readonly kind: string;
  readonly port: string;
  readonly mid: string | null;
  readonly direction: string | null;
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** The m-sections of a description with their mid and direction; CR, LF and CRLF all end a line. */
export function mediaSections(sdp: string): MediaSection[] {
  const sections: { kind: string; port: string; mid: string | null; direction: string | null }[] = [];
  for (const line of sdp.split(/\r\n|\r|\n/)) {
    if (line.startsWith('m=')) {
      const [kind = '', port = ''] = line.slice(2).split(' ');
      sections.push({ kind, port, mid: null, direction: null });
      continue;
    }
    const current = sections.at(-1);
    if (current === undefined) continue;
    if (line.startsWith('a=mid:')) current.mid = line.slice('a=mid:'.length).trim();
    else if (DIRECTIONS.has(line.slice(2).trim()) && line.startsWith('a=')) current.direction = line.slice(2).trim();
  }
  return sections;
}

export interface CheckedOffer {
  readonly sdp: string;
  /** The mid of the one audio m-line: what a server mute names. */
  readonly mid: string;
}

/** A member's sending link: exactly one audio m-line that sends (or is held), relay candidates only. */
export function checkPublishOffer(sdp: string, relay: RelayPolicy): Result<CheckedOffer> {
  const sections = mediaSections(sdp);
  if (sections.length !== 1) {
    return fail('sdp_refused', 'An SFU offer carries exactly one audio stream: the microphone.');
  }
  const [audio] = sections;
  if (audio === undefined || audio.kind !== 'audio' || audio.mid === null || audio.mid.length > 64) {
    return fail('sdp_refused', 'An SFU offer carries exactly one audio stream: the microphone.');
  }
  if (audio.direction === 'recvonly' || audio.direction === 'sendrecv') {
    return fail('sdp_refused', 'The sending link sends only; what a member hears comes on the receiving link.');
  }
  return ok({ sdp: stripNonRelayCandidates(sdp, relay), mid: audio.mid });
}

/** An answer on the receiving link: audio m-lines only, none of them sending anything back. */
export function checkSubscribeAnswer(sdp: string, relay: RelayPolicy): Result<string> {
  const sections = mediaSections(sdp);
  if (sections.length === 0 || sections.some((section) => section.kind !== 'audio')) {
    return fail('sdp_refused', 'The receiving link carries audio only.');
  }
  if (sections.some((section) => section.direction === 'sendonly' || section.direction === 'sendrecv')) {
    return fail('sdp_refused', 'The receiving link receives only.');
  }
  return ok(stripNonRelayCandidates(sdp, relay));
}
