import { randomBytes } from 'node:crypto';
import { keyIdOf, parseApiToken } from '../../../shared/apiTokens';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/passwordHashing';
import { newId, type Store } from '../store';

/**
 * API tokens: minted with 32 random bytes of secret, kept as an argon2id hash with the parameters passwords use
 * (auth/passwordHashing.ts), shown once. The secret is random, so the hash's cost is not what protects it; it is
 * there so that a copy of the database holds nothing that authenticates, and so that checking a presented token
 * costs the same whether its key id exists or not.
 */
export interface MintedApiToken {
  readonly tokenId: string;
  /** `wht_<key id>_<secret>`: what the admin copies, once. */
  readonly token: string;
  readonly secretHash: string;
}

export async function mintApiToken(): Promise<MintedApiToken> {
  const tokenId = newId();
  const secret = randomBytes(32).toString('base64url');
  const hashed = await hashPassword(secret);
  if (!hashed.ok) throw new Error('an API token secret could not be hashed');
  return { tokenId, token: `wht_${keyIdOf(tokenId)}_${secret}`, secretHash: hashed.value };
}

/** The token in `Authorization: Bearer …`, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > 200) return undefined;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * The id of the live token of `workspaceId` that `presented` is, or null. Exactly one argon2id verification runs
 * on every path (no token, malformed, unknown key id, revoked, another workspace's, wrong secret, right), so the
 * time taken does not say which one it was.
 */
export async function checkApiToken(
  store: Store,
  presented: string | undefined,
  workspaceId: string | undefined,
): Promise<string | null> {
  const parsed = parseApiToken(presented);
  const record = parsed === null ? undefined : await store.inbound.token(parsed.tokenId);
  const usable = record !== undefined && record.revokedAt === null && record.workspaceId === workspaceId;
  if (parsed === null || !usable) {
    await verifyAgainstDummy(parsed?.secret ?? 'no token presented');
    return null;
  }
  return (await verifyPassword(record.secretHash, parsed.secret)) ? record.id : null;
}
