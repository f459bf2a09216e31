import { HttpError } from '../http/httpError';
import type { ApiDeps, EndpointHandlers } from './context';
import { relayIceServer } from './voiceHandlers';

/** Long enough for the doctor's allocations; short enough that a copy is worth little. */
export const DOCTOR_CREDENTIAL_TTL_SECONDS = 120;

/**
 * TURN credentials for the network doctor. Voice credentials need a channel the caller may join; the doctor tests
 * the path before any call, so it gets its own, shorter-lived ones, only for members of some workspace (an account
 * that belongs nowhere has no business with the relay).
 */
export function doctorHandlers(deps: ApiDeps): Pick<EndpointHandlers, 'doctorCredentials'> {
  const { store } = deps;
  return {
    async doctorCredentials({ session }) {
      if ((await store.workspaces.listForUser(session.userId)).length === 0) {
        throw new HttpError(403, 'forbidden', 'Join a workspace before testing the connection to its relay.');
      }
      // With a relay fleet the doctor tests the relay its user's session hashes to: any one of them, consistently.
      const { iceServer, expiresAt } = await relayIceServer(
        deps,
        session,
        DOCTOR_CREDENTIAL_TTL_SECONDS,
        session.sessionId,
      );
      await deps.audit({ type: 'doctor.credentials_issued', actorUserId: session.userId });
      return { status: 200, body: { iceServers: [iceServer], expiresAt } };
    },
  };
}
