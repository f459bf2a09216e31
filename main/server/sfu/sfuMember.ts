import { fail, ok, type Result } from '../../../shared/result';
import { peerIdSchema } from '../../../shared/voiceRoomState';
import type { ClientMessage, IceCandidate, ServerMessage, SfuLink, SfuStream } from '../../../shared/ws';
import { keepTrickledCandidate, type RelayPolicy } from '../signalling/sdpFilter';
import {
  JanusError,
  type JanusHandle,
  type JanusHandleEvent,
  type JanusSession,
  type PluginAnswer,
} from './janusClient';
import { publisherSchema, subscriptionStreamSchema, type JanusCandidate } from './janusMessages';
import { VIDEOROOM } from './janusSupervisor';
import type { JanusRoom } from './sfuRooms';
import { checkPublishOffer, checkSubscribeAnswer } from './sfuSdp';

export type SfuClientMessage = Extract<ClientMessage, { type: `sfu.${string}` }>;

export interface SfuMemberInput {
  readonly channelId: string;
  /** The connection's peer id: its publisher id in the VideoRoom, and what other members' streams are named by. */
  readonly peerId: string;
  readonly serverMuted: boolean;
  readonly relay: RelayPolicy;
  /** To this member's socket. */
  send(message: ServerMessage): void;
  report(message: string, error?: unknown): void;
}

export interface SfuMember {
  /** One of the member's sfu.* messages; a refusal says why (the connection turns it into an error message). */
  handle(message: SfuClientMessage): Promise<Result<void>>;
  /** Server mute: Janus stops forwarding this member's audio (and forwards it again when lifted). */
  setServerMuted(muted: boolean): Promise<void>;
  /** Leaves the VideoRoom: the member's PeerConnections hang up, the others stop receiving it. */
  close(): void;
}

/**
 * One connection's part in an SFU room: a Janus session of its own with a publisher handle (its microphone, joined
 * as soon as the room is an SFU, so it hears others even before it sends) and, once anybody else publishes, a
 * subscriber handle receiving every other publisher of the room on one PeerConnection. The member names nothing of
 * Janus: its feed id is its peer id, the room is the one its connection is in, and it is subscribed by the server
 * to exactly the room's other publishers.
 */
export async function openSfuMember(room: JanusRoom, input: SfuMemberInput): Promise<SfuMember> {
  const { channelId, peerId } = input;
  const session: JanusSession = await room.link.api.createSession();
  let closed = false;
  let subscriber: JanusHandle | null = null;
  let subscriberReady: Promise<void> = Promise.resolve();
  const subscribed = new Set<string>();
  let streams: SfuStream[] = [];
  let published: { mid: string } | null = null;
  let serverMuted = input.serverMuted;
  /** The member's own requests, one at a time (a renegotiation must not overtake the publish before it). */
  let queue: Promise<unknown> = Promise.resolve();
  let publisher: JanusHandle;
  let joined: PluginAnswer;
  try {
    publisher = await session.attach(VIDEOROOM);
    publisher.onEvent((event) => onPublisherEvent(event));
    joined = await publisher.request({ request: 'join', ptype: 'publisher', room: room.id, pin: room.pin, id: peerId });
  } catch (error) {
    await session.destroy();
    throw error;
  }
  const privateId: unknown = joined.data['private_id'];

  const send = (message: ServerMessage) => {
    if (!closed) input.send(message);
  };

  function relayCandidate(link: SfuLink, candidate: JanusCandidate): void {
    const init: IceCandidate =
      'completed' in candidate
        ? { candidate: '' }
        : {
            candidate: candidate.candidate,
            ...(candidate.sdpMid == null ? {} : { sdpMid: candidate.sdpMid }),
            ...(candidate.sdpMLineIndex == null ? {} : { sdpMLineIndex: candidate.sdpMLineIndex }),
          };
    send({ type: 'sfu.candidate', channelId, link, candidate: init });
  }

  /** The receiving link's m-lines that carry a member's audio now; the rest are inactive slots. */
  function streamsOf(value: unknown): SfuStream[] {
    if (!Array.isArray(value)) return streams;
    const mapped: SfuStream[] = [];
    for (const entry of value) {
      const stream = subscriptionStreamSchema.safeParse(entry);
      if (!stream.success || stream.data.type !== 'audio' || stream.data.active === false) continue;
      const feed = peerIdSchema.safeParse(String(stream.data.feed_id ?? ''));
      if (feed.success && feed.data !== peerId) mapped.push({ mid: stream.data.mid, peerId: feed.data });
    }
    return mapped;
  }

  function forwardOffer(answer: PluginAnswer): void {
    streams = streamsOf(answer.data['streams']);
    if (answer.jsep?.type === 'offer') send({ type: 'sfu.offer', channelId, sdp: answer.jsep.sdp, streams });
  }

  function feedsIn(value: unknown): string[] {
    if (!Array.isArray(value)) return [];
    return value.flatMap((entry) => {
      const parsed = publisherSchema.safeParse(entry);
      return parsed.success ? [String(parsed.data.id)] : [];
    });
  }

  /** Subscribes to publishers not yet received: the first makes the subscriber handle, the rest update it. */
  function subscribeTo(feeds: readonly string[]): void {
    const fresh = feeds.filter(
      (feed) => feed !== peerId && !subscribed.has(feed) && peerIdSchema.safeParse(feed).success,
    );
    if (fresh.length === 0 || closed) return;
    for (const feed of fresh) subscribed.add(feed);
    subscriberReady = subscriberReady
      .then(async () => {
        if (closed) return;
        const wanted = fresh.filter((feed) => subscribed.has(feed)).map((feed) => ({ feed }));
        if (wanted.length === 0) return;
        if (subscriber === null) {
          const handle = await session.attach(VIDEOROOM);
          handle.onEvent((event) => onSubscriberEvent(handle, event));
          subscriber = handle;
          forwardOffer(
            await handle.request({
              request: 'join',
              ptype: 'subscriber',
              room: room.id,
              pin: room.pin,
              ...(privateId === undefined ? {} : { private_id: privateId }),
              streams: wanted,
            }),
          );
        } else {
          forwardOffer(await subscriber.request({ request: 'subscribe', streams: wanted }));
        }
      })
      .catch((error: unknown) => {
        // A publisher that left before we subscribed is "no such feed": not a failure of this member.
        for (const feed of fresh) subscribed.delete(feed);
        if (!closed && !(error instanceof JanusError && error.code === 428)) {
          input.report('sfu: a subscription failed', error);
        }
      });
  }

  function onPublisherEvent(event: JanusHandleEvent): void {
    if (closed) return;
    if (event.kind === 'trickle') return relayCandidate('publish', event.candidate);
    if (event.kind === 'hangup') {
      // Janus tore the sending link down (ICE or DTLS failed there): its next offer publishes anew, on a new
      // connection, since the old one's DTLS state is gone on Janus's side.
      published = null;
      send({ type: 'sfu.reset', channelId, link: 'publish' });
      return;
    }
    if (event.kind !== 'plugin') return;
    subscribeTo(feedsIn(event.data['publishers']));
    for (const key of ['unpublished', 'leaving'] as const) {
      const gone = event.data[key];
      // Janus sends the subscriber an updated offer by itself (autoupdate); only our bookkeeping changes here.
      if (typeof gone === 'string') subscribed.delete(gone);
    }
  }

  function onSubscriberEvent(handle: JanusHandle, event: JanusHandleEvent): void {
    if (closed || handle !== subscriber) return;
    if (event.kind === 'trickle') return relayCandidate('subscribe', event.candidate);
    if (event.kind === 'plugin') forwardOffer(event);
    if (event.kind === 'hangup') resubscribe();
  }

  /**
   * Janus tore the receiving link down: a new subscriber handle receives the same publishers, and the client makes a
   * new connection for its first offer.
   */
  function resubscribe(): void {
    const old = subscriber;
    const feeds = [...subscribed];
    subscriberReady = subscriberReady.then(() => {
      if (subscriber !== old || closed) return;
      subscriber = null;
      subscribed.clear();
      streams = [];
      void old?.detach();
      send({ type: 'sfu.reset', channelId, link: 'subscribe' });
      subscribeTo(feeds);
    });
  }

  // Whoever already publishes: the rest arrive as events on the publisher handle.
  subscribeTo(feedsIn(joined.data['publishers']));

  async function moderate(muted: boolean): Promise<void> {
    if (published === null) return;
    await room.link.control.request({
      request: 'moderate',
      room: room.id,
      secret: room.secret,
      id: peerId,
      mid: published.mid,
      mute: muted,
    });
  }

  async function publish(sdp: string): Promise<Result<void>> {
    const checked = checkPublishOffer(sdp, input.relay);
    if (!checked.ok) return checked;
    const jsep = { type: 'offer' as const, sdp: checked.value.sdp };
    // The first offer publishes; a later one (ICE restart, new device) renegotiates the same feed: a connection
    // publishes one microphone, never a second feed.
    const first = published === null;
    const answer = first
      ? await publisher.request({ request: 'publish', audiocodec: 'opus' }, jsep)
      : await publisher.request({ request: 'configure' }, jsep);
    if (answer.jsep?.type !== 'answer') return fail('sfu_failed', 'The media server did not answer the offer.');
    published = { mid: checked.value.mid };
    // Before the member has the answer no media can flow, so a muted member's first packet already meets the block.
    if (first && serverMuted) await moderate(true);
    send({ type: 'sfu.answer', channelId, sdp: answer.jsep.sdp });
    return ok(undefined);
  }

  async function start(sdp: string): Promise<Result<void>> {
    const checked = checkSubscribeAnswer(sdp, input.relay);
    if (!checked.ok) return checked;
    await subscriberReady;
    if (subscriber === null) return fail('invalid_state', 'There is no offer to answer.');
    await subscriber.request({ request: 'start' }, { type: 'answer', sdp: checked.value });
    return ok(undefined);
  }

  async function trickle(link: SfuLink, candidate: IceCandidate): Promise<Result<void>> {
    // Dropped without a word, as in a mesh: a client that follows the policy never gathers such candidates.
    if (candidate.candidate !== '' && !keepTrickledCandidate(candidate.candidate, input.relay)) return ok(undefined);
    if (link === 'subscribe') await subscriberReady;
    const handle = link === 'publish' ? publisher : subscriber;
    if (handle === null) return ok(undefined);
    await handle.trickle(
      candidate.candidate === ''
        ? null
        : {
            candidate: candidate.candidate,
            ...(candidate.sdpMid === undefined ? {} : { sdpMid: candidate.sdpMid }),
            ...(candidate.sdpMLineIndex === undefined ? {} : { sdpMLineIndex: candidate.sdpMLineIndex }),
          },
    );
    return ok(undefined);
  }

  async function restart(): Promise<Result<void>> {
    await subscriberReady;
    // Janus answers with an offer now, or (when an offer is still unanswered) later on its own: both arrive as events.
    await subscriber?.post({ request: 'configure', restart: true });
    return ok(undefined);
  }

  function run(message: SfuClientMessage): Promise<Result<void>> {
    switch (message.type) {
      case 'sfu.offer':
        return publish(message.sdp);
      case 'sfu.answer':
        return start(message.sdp);
      case 'sfu.candidate':
        return trickle(message.link, message.candidate);
      case 'sfu.restart':
        return restart();
    }
  }

  return {
    handle(message) {
      const result = queue.then(async (): Promise<Result<void>> => {
        if (closed) return ok(undefined);
        try {
          return await run(message);
        } catch (error) {
          if (closed) return ok(undefined);
          input.report(`sfu: ${message.type} failed`, error);
          return fail('sfu_failed', 'The media server refused that; the call restarts its audio.');
        }
      });
      queue = result;
      return result;
    },
    async setServerMuted(muted) {
      serverMuted = muted;
      if (!closed) await moderate(muted).catch((error: unknown) => input.report('sfu: moderate failed', error));
    },
    close() {
      if (closed) return;
      closed = true;
      void session.destroy();
    },
  };
}
