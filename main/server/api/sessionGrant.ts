import { randomBytes } from 'node:crypto';
import { generateRefreshFamilyId, generateRefreshToken, generateSessionId } from '../auth/sessionTokens';
import type { ApiDeps } from './context';

/**
 * A new session family for a user who just proved who they are (a password, or a provider through single sign-on):
 * the grant the app keeps (secret in memory, refresh token in the keychain). The secret leaves the server only here.
 */
export async function issueSession(
  deps: Pick<ApiDeps, 'store' | 'config' | 'now'>,
  userId: string,
  /** What the app called itself and the address the server saw: the account's sessions list tells devices apart. */
  client: { readonly deviceLabel: string | null; readonly lastAddress: string | null },
) {
  const familyId = generateRefreshFamilyId();
  const refresh = generateRefreshToken(familyId);
  const secret = randomBytes(32);
  const now = deps.now();
  const session = await deps.store.sessions.create({
    id: generateSessionId(),
    userId,
    familyId,
    secret,
    refreshTokenHash: refresh.hash,
    idleExpiresAt: now + deps.config.sessions.idleMinutes * 60_000,
    absoluteExpiresAt: now + deps.config.sessions.absoluteDays * 86_400_000,
    ...client,
  });
  return {
    id: session.id,
    secret: Buffer.from(secret).toString('base64url'),
    refreshToken: refresh.token,
    idleExpiresAt: Math.floor(session.idleExpiresAt / 1000),
  };
}
