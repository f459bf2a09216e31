import { z } from 'zod';
import { inviteCodeSchema } from './deepLink';
import { hostSchema, workspaceSlugSchema } from './identifiers';
import { plainTextSchema } from './plainText';

/**
 * Single sign-on with OpenID Connect (docs/admin.md, "Single sign-on"): the workspace's settings as the owner
 * writes and reads them, and what the app and the server exchange around the browser's trip to the provider. The
 * server is the relying party and holds the client secret; the app only ever sees a one-time login code that is
 * bound to a verifier it never shows the browser (RFC 8252 with a PKCE-style binding, S256).
 */

/** A role the provider's claims can map to; never owner, which only an owner hands over. */
export const ssoRoleSchema = z.enum(['admin', 'member']);
export type SsoRole = z.output<typeof ssoRoleSchema>;

/** An issuer is an https URL without query, fragment or credentials (OpenID Connect Discovery 1.0, §2). */
export const ssoIssuerSchema = z
  .string()
  .max(512)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (
        url.protocol === 'https:' &&
        url.username === '' &&
        url.password === '' &&
        url.search === '' &&
        url.hash === '' &&
        url.href.replace(/\/$/, '') === text.replace(/\/$/, '')
      );
    } catch {
      return false;
    }
  }, 'must be an https URL without query, fragment or credentials');

const printable = /^[\x21-\x7e]+$/;
export const ssoClientIdSchema = z.string().min(1).max(256).regex(printable, 'must be printable ASCII');
/** Write-only: the server keeps it sealed and no response ever carries it. */
export const ssoClientSecretSchema = z.string().min(1).max(512).regex(printable, 'must be printable ASCII');
/** An email domain, compared exactly (sub.example.com is not example.com). */
export const ssoDomainSchema = hostSchema.refine((host) => !/^[0-9.:]+$/.test(host), 'must be a domain name');
/** A claim name in the ID token (`groups`, `roles`, `https://example.com/claims/team`). */
export const ssoClaimNameSchema = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'must be a claim name');
export const ssoRoleRuleSchema = z.strictObject({
  /** A value of the role claim (a string, or one entry of an array claim). */
  value: z.string().min(1).max(256),
  role: ssoRoleSchema,
});
export type SsoRoleRule = z.output<typeof ssoRoleRuleSchema>;
export const ssoProviderNameSchema = plainTextSchema({ max: 64 });

const settingsFields = {
  /** Shown on the sign-in button: "Sign in with {providerName}". */
  providerName: ssoProviderNameSchema,
  issuer: ssoIssuerSchema,
  clientId: ssoClientIdSchema,
  allowedDomains: z.array(ssoDomainSchema).min(1).max(20),
  /** The ID token claim whose value picks a role; null gives everyone `member`. */
  roleClaim: ssoClaimNameSchema.nullable(),
  roleRules: z.array(ssoRoleRuleSchema).max(20),
  /** Members and admins reach the workspace only through the provider; owners keep password sign-in. */
  requireSso: z.boolean(),
};

/** What an owner sends. Without `clientSecret` the stored one is kept (the field is write-only). */
export const ssoSettingsInputSchema = z.strictObject({
  ...settingsFields,
  clientSecret: ssoClientSecretSchema.optional(),
});
export type SsoSettingsInput = z.output<typeof ssoSettingsInputSchema>;

/** What an owner reads back: the secret only as "set". */
export const ssoSettingsSchema = z.strictObject({
  ...settingsFields,
  clientSecretSet: z.literal(true),
  /** The redirect URI to register at the provider. */
  callbackUrl: z.string().max(600),
  updatedAt: z.number().int().nonnegative(),
});
export type SsoSettings = z.output<typeof ssoSettingsSchema>;

/** Which workspace to ask about: the one an invite leads to, or one named by its address. */
export const ssoLookupSchema = z.union([
  z.strictObject({ inviteCode: inviteCodeSchema }),
  z.strictObject({ workspace: workspaceSlugSchema }),
]);
export type SsoLookup = z.output<typeof ssoLookupSchema>;

export const ssoProviderSchema = z.strictObject({ workspace: workspaceSlugSchema, providerName: z.string().max(64) });
export type SsoProvider = z.output<typeof ssoProviderSchema>;

const base64urlText = (length: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
/** The app's secret for one sign-in: 32 random bytes, base64url. Only its SHA-256 leaves the app before the end. */
export const ssoVerifierSchema = base64urlText(43);
/** base64url(SHA-256(verifier)): what the start URL carries. */
export const ssoChallengeSchema = base64urlText(43);
/** The one-time login code the server hands the app through the browser: 32 random bytes, base64url. */
export const ssoLoginCodeSchema = base64urlText(43);

/** Paths of the two pages the browser visits on the server (not JSON endpoints: they redirect). */
export const SSO_START_PATH = '/v1/sso/start';
export const SSO_CALLBACK_PATH = '/v1/sso/callback';
/** The path on the app's one-time loopback listener (RFC 8252 §7.3) that the server redirects the browser to. */
export const SSO_LOOPBACK_PATH = '/whoot-sso';

/** The start URL's query: which workspace, the app's challenge, and the loopback port to come back to. */
export const ssoStartQuerySchema = z.strictObject({
  workspace: workspaceSlugSchema,
  challenge: ssoChallengeSchema,
  port: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/)
    .transform(Number)
    .pipe(z.number().int().min(1024).max(65535)),
});
export type SsoStartQuery = z.output<typeof ssoStartQuerySchema>;

/** Why a sign-in through the provider did not finish; the app shows the sentence, never the provider's own text. */
export const SSO_FAILURES = {
  sso_not_configured: 'This workspace does not use single sign-on.',
  provider_unreachable: 'The identity provider did not answer. Try again later, or sign in with your password.',
  provider_refused: 'The identity provider did not sign you in.',
  invalid_response: 'The identity provider’s answer did not check out, so you were not signed in.',
  domain_not_allowed: 'Your email address is not in a domain this workspace accepts.',
  email_unverified: 'The identity provider did not confirm your email address.',
  account_exists:
    'An account with this email already exists on this server. Sign in with your password; single sign-on ' +
    'cannot take over an existing account.',
  expired: 'The sign-in took too long. Start again.',
} as const;
export type SsoFailure = keyof typeof SSO_FAILURES;
export const ssoFailureSchema = z.enum(Object.keys(SSO_FAILURES) as [SsoFailure, ...SsoFailure[]]);

/** What the server's redirect to the loopback listener carries: a login code, or why there is none. */
export const ssoLoopbackQuerySchema = z.union([
  z.strictObject({ code: ssoLoginCodeSchema }),
  z.strictObject({ error: ssoFailureSchema }),
]);

/** Builds the start URL from validated parts (never by concatenating input). */
export function ssoStartUrl(server: { host: string; port: number }, query: SsoStartQuery): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const search = new URLSearchParams({
    workspace: query.workspace,
    challenge: query.challenge,
    port: String(query.port),
  }).toString();
  return new URL(`https://${host}:${server.port}${SSO_START_PATH}?${search}`).href;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += BASE64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/**
 * The challenge for a verifier: base64url(SHA-256(verifier)), as PKCE's S256 (RFC 7636 §4.2). The app computes
 * it for the start URL, the server again at the exchange; one definition for both.
 */
export async function ssoChallengeOf(verifier: string): Promise<string> {
  const ascii = Uint8Array.from(verifier, (character) => character.charCodeAt(0) & 0x7f);
  return encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', ascii)));
}
