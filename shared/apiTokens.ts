import { z } from 'zod';
import { randomIdSchema } from './identifiers';
import { plainTextSchema } from './plainText';

/**
 * API tokens: what an external system presents, as `Authorization: Bearer wht_<key id>_<secret>`. The key id is
 * the token's public name (it finds the row); the secret is 32 random bytes, shown once, stored only as an argon2id
 * hash. Today they authenticate inbound inputs that require a token.
 */
export const API_TOKEN_PATTERN = /^wht_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export const apiTokenSecretSchema = z.string().regex(API_TOKEN_PATTERN, 'must be a wht_ API token');

export const apiTokenNameSchema = plainTextSchema({ max: 64 });

export const apiTokenSchema = z.strictObject({
  id: randomIdSchema,
  name: z.string().max(64),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
});
export type ApiToken = z.output<typeof apiTokenSchema>;

/** The token's key id as it appears in the token (a UUID without dashes), and back. */
export const keyIdOf = (tokenId: string): string => tokenId.replaceAll('-', '');
export function tokenIdOf(keyId: string): string {
  return [keyId.slice(0, 8), keyId.slice(8, 12), keyId.slice(12, 16), keyId.slice(16, 20), keyId.slice(20)].join('-');
}

/** Splits a presented token into key id (as a row id) and secret, or null when it is not one. */
export function parseApiToken(token: unknown): { readonly tokenId: string; readonly secret: string } | null {
  if (typeof token !== 'string') return null;
  const match = API_TOKEN_PATTERN.exec(token);
  if (match === null) return null;
  const [, keyId = '', secret = ''] = match;
  const tokenId = tokenIdOf(keyId);
  return randomIdSchema.safeParse(tokenId).success ? { tokenId, secret } : null;
}
