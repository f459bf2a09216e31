import type { ManagedPolicy } from '../../shared/managedPolicy';

/** For now hosting is switched on by the environment; a setting replaces this later. */
export const HOST_SERVER_ENV = 'WHOOT_HOST_SERVER';

/**
 * Whether the app hosts the bundled server, and if it was asked to but may not, why: the organization's policy
 * (hostLocalServer: false) outranks the environment switch.
 */
export function hostServerRequested(
  env: Readonly<Record<string, string | undefined>>,
  policy: ManagedPolicy = {},
): { readonly host: boolean; readonly refusal: string | null } {
  const asked = env[HOST_SERVER_ENV] === '1';
  if (asked && policy.hostLocalServer === false) {
    return { host: false, refusal: 'hosting a server on this computer is turned off by your organization' };
  }
  return { host: asked, refusal: null };
}
