import { describe, expect, it } from 'vitest';
import { SendGate, SilentTail, type GatedSender } from './sendGate';

/** A sender whose setParameters answers when the test says so, and remembers what it was told. */
function fakeSender(options: { encodings?: number; refuse?: boolean | (() => boolean) } = {}) {
  let active = true;
  let encodings = options.encodings ?? 1;
  const pending: (() => void)[] = [];
  const calls: boolean[] = [];
  const sender: GatedSender = {
    getParameters: () =>
      ({
        transactionId: 't',
        encodings: Array.from({ length: encodings }, () => ({ active })),
      }) as unknown as RTCRtpSendParameters,
    setParameters: (parameters: RTCRtpSendParameters) => {
      const next = parameters.encodings.every((encoding) => encoding.active !== false);
      calls.push(next);
      const refuse = typeof options.refuse === 'function' ? options.refuse() : options.refuse === true;
      if (refuse) return Promise.reject(new DOMException('no', 'InvalidModificationError'));
      return new Promise<void>((resolve) =>
        pending.push(() => {
          active = next;
          resolve();
        }),
      );
    },
  };
  return {
    sender,
    calls,
    active: () => active,
    negotiate: () => (encodings = 1),
    /** Answers every call made so far, and whatever those answers lead to. */
    async answer() {
      while (pending.length > 0) {
        pending.shift()?.();
        await Promise.resolve();
        await Promise.resolve();
      }
    },
  };
}

describe('SendGate', () => {
  it('holds a sender only once it has confirmed it sends nothing', async () => {
    const gate = new SendGate();
    const link = fakeSender();
    gate.update([link.sender], false);
    expect(gate.holds([link.sender])).toBe(false);
    expect(gate.settling([link.sender])).toBe(true);
    await link.answer();
    expect(link.active()).toBe(false);
    expect(gate.holds([link.sender])).toBe(true);
  });

  it('lets go at once when we talk again, and the latest wish wins over a change still on its way', async () => {
    const gate = new SendGate();
    const link = fakeSender();
    gate.update([link.sender], false);
    gate.update([link.sender], true);
    expect(gate.holds([link.sender])).toBe(false);
    expect(gate.settling([link.sender])).toBe(false);
    await link.answer();
    expect(link.calls).toEqual([false, true]);
    expect(link.active()).toBe(true);
    // Asked again for what it already does: no call.
    gate.update([link.sender], true);
    expect(link.calls).toHaveLength(2);
  });

  it('does not hold a group while any one sender still sends (a new link joins the call)', async () => {
    const gate = new SendGate();
    const first = fakeSender();
    gate.update([first.sender], false);
    await first.answer();
    const second = fakeSender();
    const both = [first.sender, second.sender];
    gate.update(both, false);
    expect(gate.holds(both)).toBe(false);
    await second.answer();
    expect(gate.holds(both)).toBe(true);
    expect(gate.holds([])).toBe(false);
  });

  it('asks a sender without encodings again once it has them (before and after negotiation)', async () => {
    const gate = new SendGate();
    const link = fakeSender({ encodings: 0 });
    gate.update([link.sender], false);
    await link.answer();
    expect(link.calls).toEqual([]);
    expect(gate.holds([link.sender])).toBe(false);
    link.negotiate();
    gate.update([link.sender], false);
    await link.answer();
    expect(gate.holds([link.sender])).toBe(true);
  });

  it('asks a stopped sender that refused to send again, so no one is left silent for good', async () => {
    const gate = new SendGate();
    let refusing = false;
    const link = fakeSender({ refuse: () => refusing });
    gate.update([link.sender], false);
    await link.answer();
    expect(link.active()).toBe(false);
    refusing = true;
    gate.update([link.sender], true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(link.active()).toBe(false);
    refusing = false;
    gate.update([link.sender], true);
    await link.answer();
    expect(link.calls).toEqual([false, true, true]);
    expect(link.active()).toBe(true);
  });

  it('never holds, nor asks again, a sender that refused while sending (its track carries silence instead)', async () => {
    const gate = new SendGate();
    const link = fakeSender({ refuse: true });
    gate.update([link.sender], false);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(gate.holds([link.sender])).toBe(false);
    expect(gate.settling([link.sender])).toBe(false);
    gate.update([link.sender], false);
    gate.update([link.sender], true);
    expect(link.calls).toEqual([false]);
  });
});

describe('SilentTail', () => {
  it('sends silence for its length after we stop talking, and not before we ever talked', () => {
    const tail = new SilentTail(100);
    expect(tail.update(false, 0)).toBe(false);
    expect(tail.update(true, 10)).toBe(false);
    expect(tail.update(false, 20)).toBe(true);
    expect(tail.update(false, 119)).toBe(true);
    expect(tail.sending(119)).toBe(true);
    expect(tail.update(false, 120)).toBe(false);
    expect(tail.sending(500)).toBe(false);
  });

  it('ends when we talk again, and starts afresh at the next stop', () => {
    const tail = new SilentTail(100);
    tail.update(true, 0);
    expect(tail.update(false, 10)).toBe(true);
    expect(tail.update(true, 50)).toBe(false);
    expect(tail.sending(60)).toBe(false);
    expect(tail.update(false, 300)).toBe(true);
    expect(tail.update(false, 399)).toBe(true);
    expect(tail.update(false, 400)).toBe(false);
  });
});
