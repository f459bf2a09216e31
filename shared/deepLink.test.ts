import { describe, expect, it } from 'vitest';
import { formatInviteLink, parseDeepLink } from './deepLink';

const PIN = 'q1n7l2a0sJx4-_Zr3cVbWm9YtUeKoPdHgFiA8xNwE5s';
const CODE = 'Jq8sLr2VxT0bNcYe4mPa';
const good = `whoot://join?host=voice.example.com&port=8443&fp=${PIN}&code=${CODE}`;

describe('parseDeepLink', () => {
  it('accepts a well-formed invite and round-trips through formatInviteLink', () => {
    const parsed = parseDeepLink(good);
    expect(parsed).toEqual({
      ok: true,
      value: { action: 'join', invite: { host: 'voice.example.com', port: 8443, spkiPin: PIN, code: CODE } },
    });
    if (parsed.ok) expect(parseDeepLink(formatInviteLink(parsed.value.invite))).toEqual(parsed);
  });

  it('accepts IPv4 and IPv6 literal hosts', () => {
    expect(parseDeepLink(good.replace('voice.example.com', '127.0.0.1')).ok).toBe(true);
    expect(parseDeepLink(good.replace('voice.example.com', '%3A%3A1')).ok).toBe(true);
  });

  it.each([
    ['another scheme', good.replace('whoot://', 'https://')],
    ['javascript:', 'javascript:alert(1)//whoot://join'],
    ['file:', 'file:///etc/passwd'],
    ['another action', good.replace('//join', '//delete')],
    ['a path after the action', good.replace('join?', 'join/../x?')],
    ['credentials in the authority', good.replace('whoot://join', 'whoot://user:pw@join')],
    ['a port on the action', good.replace('whoot://join', 'whoot://join:1')],
    ['a fragment', `${good}#x`],
    ['an unknown parameter', `${good}&redirect=https://evil.example`],
    ['a repeated parameter', `${good}&host=evil.example`],
    ['a missing parameter', good.replace(`&code=${CODE}`, '')],
    ['a host with a path', good.replace('voice.example.com', 'evil.example%2Fx')],
    ['a host with a port', good.replace('voice.example.com', 'evil.example:99')],
    ['a host with spaces', good.replace('voice.example.com', 'a%20b')],
    ['a port out of range', good.replace('8443', '65536')],
    ['a port with a sign', good.replace('8443', '+443')],
    ['a hex port', good.replace('8443', '0x1bb')],
    ['a short pin', good.replace(PIN, PIN.slice(1))],
    ['a pin in standard base64', good.replace(PIN, PIN.replace('-', '+'))],
    ['a short code', good.replace(CODE, 'abc')],
    ['an oversized link', `${good}&x=${'a'.repeat(3000)}`],
    ['not a URL', 'whoot join'],
    ['empty', ''],
  ])('refuses %s', (_name, link) => {
    const parsed = parseDeepLink(link);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toMatch(/^(invalid_link|invalid_input)$/);
  });

  it('does not throw on non-string input', () => {
    expect(parseDeepLink(42 as unknown as string).ok).toBe(false);
    expect(parseDeepLink(null as unknown as string).ok).toBe(false);
  });
});
