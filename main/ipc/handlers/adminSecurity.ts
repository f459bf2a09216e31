import type { SignedCalls } from '../../session/signedCalls';
import { forward, same } from './forward';

/**
 * The workspace's audit log with the chain's verification. (The signed-in user's own sessions, which the console
 * shows too, are the account's: accountSettings.ts.)
 */
export function adminSecurityHandlers(calls: SignedCalls) {
  return {
    'admin.audit': forward<'admin.audit', 'auditLog'>(calls, 'auditLog', (r) => ({ params: r }), same),
  } as const;
}
