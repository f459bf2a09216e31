import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { randomIdSchema } from '../../../../shared/identifiers';
import { wsTicketSchema } from '../../../../shared/ws';
import { TICKET_TTL_MS, ticketDigest, type ConsumedTicket, type TicketStore } from '../../signalling/tickets';
import type { RedisConnections } from './redisConnection';

const storedTicketSchema = z.strictObject({
  sessionId: z.string().min(1).max(128),
  userId: randomIdSchema,
  workspaceId: randomIdSchema,
  issuedAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
});

/** Deletes every ticket a session still has, and the list of them. */
const REVOKE_SESSION = `
for _, digest in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[1] .. digest) end
redis.call('DEL', KEYS[1])
return 1`;

/**
 * One-time connect tickets shared by every node: GETDEL takes a ticket and removes it in one step, so of two nodes
 * presented the same ticket at once exactly one gets its claims. Only the SHA-256 of a ticket is a key, as in
 * memory. Each session's tickets are listed (a set expiring with its newest ticket) so a sign-out voids them.
 */
export function createRedisTicketStore(
  redis: RedisConnections,
  options: { readonly ttlMs?: number; readonly now?: () => number } = {},
): TicketStore {
  const ttlMs = options.ttlMs ?? TICKET_TTL_MS;
  const now = options.now ?? Date.now;
  const ticketKey = `${redis.prefix}ticket:`;
  const sessionKey = (sessionId: string) => `${redis.prefix}tickets-of:${sessionId}`;
  return {
    mint(claims) {
      return redis.run(async (command) => {
        const ticket = randomBytes(32).toString('base64url');
        const at = now();
        const digest = ticketDigest(ticket);
        const stored = {
          sessionId: claims.sessionId,
          userId: claims.userId,
          workspaceId: claims.workspaceId,
          issuedAt: at,
          expiresAt: at + ttlMs,
        };
        await command
          .multi()
          .set(ticketKey + digest, JSON.stringify(stored), 'PX', ttlMs)
          .sadd(sessionKey(claims.sessionId), digest)
          .pexpire(sessionKey(claims.sessionId), ttlMs)
          .exec();
        return { ticket, expiresAt: stored.expiresAt };
      });
    },
    async consume(ticket) {
      if (!wsTicketSchema.safeParse(ticket).success) return null;
      const text = await redis.run((command) => command.getdel(ticketKey + ticketDigest(ticket)));
      if (text === null) return null;
      let parsed: z.ZodSafeParseResult<z.output<typeof storedTicketSchema>>;
      try {
        parsed = storedTicketSchema.safeParse(JSON.parse(text));
      } catch {
        return null;
      }
      if (!parsed.success || parsed.data.expiresAt <= now()) return null;
      const { sessionId, userId, workspaceId, issuedAt } = parsed.data;
      const claims: ConsumedTicket = { sessionId, userId, workspaceId, issuedAt };
      return claims;
    },
    revokeSession(sessionId) {
      return redis.run(async (command) => {
        await command.eval(REVOKE_SESSION, 1, sessionKey(sessionId), ticketKey);
      });
    },
  };
}
