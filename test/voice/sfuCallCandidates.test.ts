import { afterEach, describe, expect, it } from 'vitest';
import { wrtcPeerConnection } from '../../bot/voiceBot';
import { createWrtcMicrophone } from '../../bot/ports/wrtcMicrophone';
import { realClock } from '../../renderer/voice/ports';
import { SfuCall } from '../../renderer/voice/sfuCall';
import type { ClientMessage, IceCandidate } from '../../shared/ws';
import { eventually } from '../support/voiceBots';

/*
 * The SFU call's sending link against a real answering peer (@roamhq/wrtc, standing where Janus stands), with the
 * answerer's candidates delivered before its answer, as Janus's trickle can overtake the answer through the server.
 * The answerer learns none of the call's candidates: through the relay, Janus's own checks are dropped until the
 * client has Janus's candidate (no TURN permission yet), so the client's checks are the only way to connect, and
 * they need that candidate. Before the fix it was added with no remote description and lost: ICE never started, and
 * in real calls the sending link failed until Janus gave up on it 12 s later (docs/voice.md).
 */

const CHANNEL = '01a24a00-0000-7000-8000-000000000000';
const withoutCandidates = (sdp: string) => sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '');
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('the SFU sending link', () => {
  it('keeps the media server candidate that arrives before the answer, and connects with it', async () => {
    const microphone = createWrtcMicrophone({ kind: 'tone', frequency: 440 });
    closers.push(() => microphone.close());
    const track = await microphone.open(null, {
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    });
    const answerer = wrtcPeerConnection({});
    closers.push(() => answerer.close());
    const answererCandidates: IceCandidate[] = [];
    let gathered!: () => void;
    const gatheringDone = new Promise<void>((resolve) => (gathered = resolve));
    answerer.addEventListener('icecandidate', (event) => {
      const candidate = (event as RTCPeerConnectionIceEvent).candidate;
      if (candidate === null) return gathered();
      answererCandidates.push({ candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? '0', sdpMLineIndex: 0 });
    });
    const sent: ClientMessage[] = [];
    const call = new SfuCall({
      channelId: CHANNEL,
      createPeerConnection: wrtcPeerConnection,
      configuration: {},
      clock: realClock,
      send: (message) => (sent.push(message), true),
      microphone: track,
      refreshIceServers: async () => null,
      onStream: () => undefined,
      onStreamEnded: () => undefined,
      onStateChange: () => undefined,
      onError: () => undefined,
    });
    closers.push(() => call.close());

    const offer = await eventually('the sending link offer', () =>
      sent.find((message) => message.type === 'sfu.offer'),
    );
    if (offer.type !== 'sfu.offer') throw new Error('not an offer');
    // The answerer learns none of the call's candidates, not even those the offer may already carry.
    await answerer.setRemoteDescription({ type: 'offer', sdp: withoutCandidates(offer.sdp) });
    await answerer.setLocalDescription(await answerer.createAnswer());
    await gatheringDone;
    expect(answererCandidates.length).toBeGreaterThan(0);
    // Janus's order through the server: its candidates (and end of candidates) first, then the answer.
    for (const candidate of answererCandidates) {
      call.receive({ type: 'sfu.candidate', channelId: CHANNEL, link: 'publish', candidate });
    }
    call.receive({ type: 'sfu.candidate', channelId: CHANNEL, link: 'publish', candidate: { candidate: '' } });
    // The answer comes a moment later (the server was still busy with the publish request).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Janus's answer in full-trickle mode carries no candidate: only the trickled ones say where it is.
    const answer = withoutCandidates(answerer.localDescription?.sdp ?? '');
    expect(answer).not.toContain('a=candidate');
    call.receive({ type: 'sfu.answer', channelId: CHANNEL, sdp: answer });

    await eventually('the answerer to connect to the call', () =>
      answerer.connectionState === 'connected' ? true : undefined,
    );
    const linkStates = (await call.linkStats()).map(
      (entries) => entries.find((entry) => entry.type === 'transport')?.['dtlsState'],
    );
    expect(linkStates).toEqual(['connected']);
  });
});
