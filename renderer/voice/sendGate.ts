/** The part of RTCRtpSender the gate uses (a browser's, @roamhq/wrtc's, or a test's). */
export type GatedSender = Pick<RTCRtpSender, 'getParameters' | 'setParameters'>;

interface SenderState {
  /** What the voice gate wants: packets (true) or none (false). */
  wanted: boolean;
  /** What the sender was last told and confirmed; null before that. */
  applied: boolean | null;
  busy: boolean;
  /** It refused while sending (@roamhq/wrtc refuses every change): it is never asked again, and never held. */
  refused: boolean;
}

/**
 * Stops our microphone's senders from sending while we are not talking, by their encodings' `active` flag
 * (RTCRtpSender.setParameters), where a disabled track would send silence. Nothing is encoded, encrypted or relayed
 * in a pause, at our end and at every listener's, as Discord's voice activity does; and the track can stay enabled,
 * so the sender's media-source stats keep measuring the microphone for the voice gate, where a disabled track
 * measures silence and the level had to come from a Web Audio graph instead.
 *
 * Privacy rests on `holds`: the engine keeps the track enabled while not sending only when every sender has
 * confirmed `active: false`. A new link, a sender without encodings yet (before negotiation) or one that refused
 * (@roamhq/wrtc's) is not held, so the engine disables the track: silence, as before.
 */
export class SendGate {
  private readonly senders = new WeakMap<GatedSender, SenderState>();

  /** Asks each sender for `active`; a change still on its way is followed by the latest wish. */
  update(senders: readonly GatedSender[], active: boolean): void {
    for (const sender of senders) {
      const state = this.senders.get(sender) ?? { wanted: active, applied: null, busy: false, refused: false };
      this.senders.set(sender, state);
      state.wanted = active;
      if (!state.busy && !state.refused && state.applied !== active) void this.apply(sender, state);
    }
  }

  /** Whether every sender has confirmed it sends nothing (and is not being asked to send). */
  holds(senders: readonly GatedSender[]): boolean {
    return senders.length > 0 && senders.every((sender) => this.held(sender));
  }

  /** Whether every sender holds, or is being told to stop: the track is disabled only for that moment. */
  settling(senders: readonly GatedSender[]): boolean {
    return (
      senders.length > 0 &&
      senders.every((sender) => {
        const state = this.senders.get(sender);
        return state !== undefined && !state.wanted && (state.applied === false || state.busy);
      })
    );
  }

  private held(sender: GatedSender): boolean {
    const state = this.senders.get(sender);
    return state !== undefined && !state.wanted && state.applied === false;
  }

  private async apply(sender: GatedSender, state: SenderState): Promise<void> {
    state.busy = true;
    try {
      while (state.applied !== state.wanted) {
        const wanted = state.wanted;
        const parameters = sender.getParameters();
        // Before negotiation a sender may have no encodings to switch: not held; the next update asks again.
        if (parameters.encodings.length === 0) {
          state.applied = null;
          return;
        }
        // Marked unknown first: between the call and its answer the sender may be in either state.
        state.applied = null;
        for (const encoding of parameters.encodings) encoding.active = wanted;
        await sender.setParameters(parameters);
        state.applied = wanted;
      }
    } catch {
      // Refused while sending: never held, so the engine disables the track in pauses instead (silence). Refused
      // while stopped (a change that raced a renegotiation, say): asked again at the next update, or it would stay
      // silent for good.
      state.applied = null;
      state.refused = sending(sender);
    } finally {
      state.busy = false;
    }
  }
}

function sending(sender: GatedSender): boolean {
  try {
    return sender.getParameters().encodings.every((encoding) => encoding.active !== false);
  } catch {
    return false;
  }
}

/**
 * A moment of silence before the senders stop. Listeners light a member's ring from the level of the last packet
 * they got (getSynchronizationSources keeps it for 10 s): a mute or a push-to-talk release in the middle of a word
 * stopped the packets on a loud one, and the ring stayed lit. So when we stop talking the senders go on for `ms`
 * with the track disabled (silence, never what was said after the stop), and then stop.
 */
export class SilentTail {
  private until = Number.NEGATIVE_INFINITY;
  private transmitting = false;

  constructor(private readonly ms: number) {}

  /** Whether, at `now`, the senders should still send silence; called with whether we transmit at each tick. */
  update(transmitting: boolean, now: number): boolean {
    if (this.transmitting && !transmitting) this.until = now + this.ms;
    this.transmitting = transmitting;
    if (transmitting) this.until = Number.NEGATIVE_INFINITY;
    return this.sending(now);
  }

  /** Whether the tail still runs at `now` (the meter then keeps its last level rather than waking up). */
  sending(now: number): boolean {
    return now < this.until;
  }
}
