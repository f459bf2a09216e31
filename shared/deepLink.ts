import { z } from 'zod';
import { hostSchema, portSchema, spkiPinSchema } from './identifiers';
import { fail, ok, type Result } from './result';
import { parseInput } from './validation';

export const DEEP_LINK_SCHEME = 'whoot';

/** Invite codes are random tokens minted by the server: base64url, 16 to 64 characters. */
export const inviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be an invite code');

export const inviteSchema = z.strictObject({
  host: hostSchema,
  port: portSchema,
  spkiPin: spkiPinSchema,
  code: inviteCodeSchema,
});
export type Invite = z.output<typeof inviteSchema>;

const MAX_LINK_LENGTH = 2048;
const INVITE_PARAMS = ['host', 'port', 'fp', 'code'] as const;

/**
 * Parses `whoot://join?host=…&port=…&fp=…&code=…`. A deep link is attacker-controlled input (any web page can open
 * one), so the parser accepts one action, exactly the known parameters each once, and nothing else.
 */
export function parseDeepLink(link: string): Result<{ action: 'join'; invite: Invite }> {
  if (typeof link !== 'string' || link.length > MAX_LINK_LENGTH) {
    return fail('invalid_link', 'The link is not a whoot invite link.');
  }
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return fail('invalid_link', 'The link is not a whoot invite link.');
  }
  // Custom schemes are not "special" in WHATWG URL parsing: `whoot://join` has host "join" and an empty path.
  if (
    url.protocol !== `${DEEP_LINK_SCHEME}:` ||
    url.hostname !== 'join' ||
    (url.pathname !== '' && url.pathname !== '/')
  ) {
    return fail('invalid_link', 'The link is not a whoot invite link.');
  }
  if (url.username !== '' || url.password !== '' || url.port !== '' || url.hash !== '') {
    return fail('invalid_link', 'The invite link has unexpected parts.');
  }
  const keys = [...url.searchParams.keys()];
  const unknown = keys.filter((key) => !(INVITE_PARAMS as readonly string[]).includes(key));
  if (unknown.length > 0 || new Set(keys).size !== keys.length) {
    return fail('invalid_link', 'The invite link has unknown or repeated parameters.');
  }
  const portText = url.searchParams.get('port') ?? '';
  const parsed = parseInput(
    inviteSchema,
    {
      host: url.searchParams.get('host') ?? '',
      port: /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN,
      spkiPin: url.searchParams.get('fp') ?? '',
      code: url.searchParams.get('code') ?? '',
    },
    'invite link',
  );
  return parsed.ok ? ok({ action: 'join', invite: parsed.value }) : parsed;
}

/** Builds an invite link from validated parts; the inverse of parseDeepLink. */
export function formatInviteLink(invite: Invite): string {
  const params = new URLSearchParams({
    host: invite.host,
    port: String(invite.port),
    fp: invite.spkiPin,
    code: invite.code,
  });
  return `${DEEP_LINK_SCHEME}://join?${params.toString()}`;
}
