import { createHash } from 'node:crypto';
import { ClientSecretBasic, customFetch, discovery, type Configuration, type CustomFetch } from 'openid-client';
import type { SsoSettingsRecord } from '../store';

/** How long a provider's discovery document is reused before it is read again. */
const DISCOVERY_TTL_MS = 15 * 60_000;

export interface ProviderDirectory {
  /** The provider's metadata and this workspace's client, from discovery (cached); throws when it cannot be had. */
  configuration(settings: SsoSettingsRecord): Promise<Configuration>;
}

/**
 * OpenID Connect discovery per (issuer, client), kept for 15 minutes. The signing keys are not part of it:
 * openid-client fetches the provider's JWKS itself and fetches it again when a token names a key id it has not
 * seen, which is how a provider's key rotation in the middle of a sign-in still works.
 */
export function createProviderDirectory(options: {
  readonly fetch: CustomFetch;
  readonly timeoutSeconds: number;
  readonly now: () => number;
}): ProviderDirectory {
  const cache = new Map<string, { readonly config: Configuration; readonly at: number }>();
  return {
    async configuration(settings) {
      // The secret is part of the key, so a changed secret never reuses a client built with the old one.
      const key = createHash('sha256')
        .update([settings.issuer, settings.clientId, settings.clientSecret].join('\0'))
        .digest('hex');
      const cached = cache.get(key);
      if (cached !== undefined && options.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
      const config = await discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        ClientSecretBasic(settings.clientSecret),
        { [customFetch]: options.fetch, timeout: options.timeoutSeconds },
      );
      cache.set(key, { config, at: options.now() });
      return config;
    },
  };
}
