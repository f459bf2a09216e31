import { describe, expect, it } from 'vitest';
import { parseBotArgs } from '../../bot/cliOptions';
import { formatInviteLink } from '../../shared/deepLink';

/** The bot's command line: what it accepts, and that everything else is a usage error naming the problem. */

const invite = { host: '127.0.0.1', port: 4433, spkiPin: 'A'.repeat(43), code: 'B'.repeat(22) };
const link = formatInviteLink(invite);
const signIn = ['--join', link, '--email', 'bot@example.com', '--password', 'password-123'];

describe('bot command line', () => {
  it('signs in by default, plays tone:440, and takes channel, record and duration', () => {
    const parsed = parseBotArgs([...signIn, '--channel', 'Lobby', '--record', 'out.wav', '--duration', '2.5'], {});
    expect(parsed).toEqual({
      ok: true,
      value: {
        invite,
        account: { kind: 'signIn', email: 'bot@example.com', password: 'password-123' },
        play: { kind: 'tone', frequency: 440, bursts: false },
        channel: 'Lobby',
        record: 'out.wav',
        durationSeconds: 2.5,
      },
    });
  });

  it('reads tones, bursts and WAV files, and the password from the environment', () => {
    const play = (value: string) => {
      const parsed = parseBotArgs([...signIn, '--play', value], {});
      return parsed.ok && parsed.value !== 'help' ? parsed.value.play : parsed;
    };
    expect(play('tone:660,bursts')).toEqual({ kind: 'tone', frequency: 660, bursts: true });
    expect(play('speech.WAV')).toEqual({ kind: 'wav', path: 'speech.WAV' });
    const fromEnv = parseBotArgs(['--join', link, '--email', 'bot@example.com'], {
      WHOOT_BOT_PASSWORD: 'from-env-123',
    });
    expect(fromEnv.ok && fromEnv.value !== 'help' && fromEnv.value.account.password).toBe('from-env-123');
  });

  it('sign-up needs a display name and keeps it', () => {
    expect(parseBotArgs([...signIn, '--sign-up'], {})).toMatchObject({ ok: false, error: { code: 'usage' } });
    const parsed = parseBotArgs([...signIn, '--sign-up', '--name', 'Bot 440'], {});
    expect(parsed.ok && parsed.value !== 'help' && parsed.value.account).toEqual({
      kind: 'signUp',
      email: 'bot@example.com',
      password: 'password-123',
      displayName: 'Bot 440',
    });
  });

  it('refuses bad input with a usage error that names it', () => {
    const refused = (args: string[]) => {
      const parsed = parseBotArgs(args, {});
      expect(parsed.ok).toBe(false);
      return parsed.ok ? '' : parsed.error.message;
    };
    expect(refused(['--join', 'https://evil.example/join', '--email', 'a@b.co', '--password', 'password-123'])).toMatch(
      /--join/,
    );
    expect(refused([...signIn, '--play', 'tone:5'])).toMatch(/20 to 7000 Hz/);
    expect(refused([...signIn, '--play', 'noise'])).toMatch(/play/);
    expect(refused([...signIn, '--record', 'out.mp3'])).toMatch(/record/);
    expect(refused([...signIn, '--duration', '-1'])).toMatch(/duration/);
    expect(refused([...signIn, '--workspace', 'Not A Slug'])).toMatch(/workspace/);
    expect(refused([...signIn, '--unknown'])).toMatch(/unknown/i);
    expect(refused(['--join', link, '--email', 'bot@example.com'])).toMatch(/password/);
    expect(parseBotArgs(['--help'], {})).toEqual({ ok: true, value: 'help' });
  });
});
