import { describe, expect, it } from 'vitest';
import { hearingLine } from '../../bot/runBot';
import type { HeardPeer } from '../../bot/voiceBot';
import { hasUnsafeCharacters } from '../../shared/plainText';

/** The bot prints names the server sends: a hostile server must not be able to drive the operator's terminal. */
const peer = (displayName: string | null): HeardPeer => ({
  peerId: '0190f2a8-9b1c-7d3e-8f40-123456789abc',
  userId: '0190f2a8-9b1c-7d3e-8f40-123456789abd',
  displayName,
  frames: 10,
  level: 0.25,
  dominant: { frequency: 440, share: 0.9 },
  volume: 1,
  onsets: [],
  firstFrameAt: null,
  firstSoundAt: null,
  connectionState: 'connected',
  path: 'relay/relay',
});

describe('hearingLine', () => {
  it('prints an ordinary name as before: quoted, greppable', () => {
    expect(hearingLine(3, peer('Ada "A" Lovelace'))).toBe(
      't=3s hear user=0190f2a8-9b1c-7d3e-8f40-123456789abd name="Ada \\"A\\" Lovelace" level=0.250 dbfs=-12.0 ' +
        'freq=440Hz state=connected path=relay/relay',
    );
  });

  it('shows escapes, bidi overrides and zero-width characters in a name as visible escapes', () => {
    const line = hearingLine(1, peer('\x1b[2JEve\u202Etxt\u200B\u0085'));
    expect(line).toContain('name="\\x1B[2JEve\\u{202E}txt\\u{200B}\\x85"');
    expect(hasUnsafeCharacters(line)).toBe(false);
  });
});
