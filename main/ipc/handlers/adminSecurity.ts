import type { SignedCalls } from '../../session/signedCalls';
import { forward, nothing, same } from './forward';

/** The signed-in user's sessions, and the workspace's audit log with the chain's verification. */
export function adminSecurityHandlers(calls: SignedCalls) {
  return {
    'admin.sessions': forward<'admin.sessions', 'listSessions'>(calls, 'listSessions', () => ({}), same),
    'admin.revokeSession': forward<'admin.revokeSession', 'revokeSession'>(
      calls,
      'revokeSession',
      (r) => ({ params: r }),
      nothing,
    ),
    'admin.audit': forward<'admin.audit', 'auditLog'>(calls, 'auditLog', (r) => ({ params: r }), same),
  } as const;
}
