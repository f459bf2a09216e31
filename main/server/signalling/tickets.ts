import { createHash, randomBytes } from 'node:crypto';
import { wsTicketSchema } from '../../../shared/ws';

/** Who a connect ticket was minted for; the socket it opens acts as exactly this session in this workspace. */
export interface TicketClaims {
  readonly sessionId: string;
  readonly userId: string;
  readonly workspaceId: string;
}

/** What a used-up ticket proves: its claims, and when it was minted (so a later sign-out can still refuse it). */
export interface ConsumedTicket extends TicketClaims {
  /** Unix milliseconds. */
  readonly issuedAt: number;
}

export interface MintedTicket {
  /** 32 random bytes, base64url: offered by the client as the `ticket.<ticket>` subprotocol. */
  readonly ticket: string;
  /** Unix milliseconds. */
  readonly expiresAt: number;
}

/**
 * One-time WSS connect tickets. An interface because several server nodes must share it (Redis later): a ticket
 * minted through one node and presented to another must work once, and only once, on either.
 */
export interface TicketStore {
  /** Called by the signed `ws.ticket` REST handler after it checked the session and the workspace membership. */
  mint(claims: TicketClaims): Promise<MintedTicket>;
  /** The claims of a live, unused ticket, which is used up by this call; null for anything else. */
  consume(ticket: string): Promise<ConsumedTicket | null>;
  /** Sign-out or revocation: the session's outstanding tickets stop working too. */
  revokeSession(sessionId: string): Promise<void>;
}

export const TICKET_TTL_MS = 30_000;

export interface MemoryTicketStoreOptions {
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** Bound on live tickets; minting fails beyond it (the REST layer answers 503) instead of growing without end. */
  readonly maxTickets?: number;
}

/**
 * The in-process store for a single node. It keeps only the SHA-256 of each ticket: a lookup is a hash-map probe on
 * a digest the caller cannot steer, so its timing says nothing about how close a guess was, and a memory dump holds
 * nothing a client could present.
 */
export function createMemoryTicketStore(options: MemoryTicketStoreOptions = {}): TicketStore {
  const ttlMs = options.ttlMs ?? TICKET_TTL_MS;
  const now = options.now ?? Date.now;
  const maxTickets = options.maxTickets ?? 100_000;
  // Insertion order is mint order and the TTL is fixed, so expired entries are always at the front.
  const live = new Map<string, { readonly claims: ConsumedTicket; readonly expiresAt: number }>();

  function sweep(at: number): void {
    for (const [digest, entry] of live) {
      if (entry.expiresAt > at) break;
      live.delete(digest);
    }
  }

  return {
    async mint(claims) {
      const at = now();
      sweep(at);
      if (live.size >= maxTickets) throw new Error('Too many outstanding connect tickets');
      const ticket = randomBytes(32).toString('base64url');
      const expiresAt = at + ttlMs;
      const { sessionId, userId, workspaceId } = claims;
      live.set(ticketDigest(ticket), { claims: { sessionId, userId, workspaceId, issuedAt: at }, expiresAt });
      return { ticket, expiresAt };
    },
    async consume(ticket) {
      if (!wsTicketSchema.safeParse(ticket).success) return null;
      const digest = ticketDigest(ticket);
      const entry = live.get(digest);
      if (entry === undefined) return null;
      live.delete(digest);
      return entry.expiresAt > now() ? entry.claims : null;
    },
    async revokeSession(sessionId) {
      for (const [digest, entry] of live) if (entry.claims.sessionId === sessionId) live.delete(digest);
    },
  };
}

/** What the stores keep of a ticket: its SHA-256, never the ticket. */
export const ticketDigest = (ticket: string): string => createHash('sha256').update(ticket, 'utf8').digest('base64url');
