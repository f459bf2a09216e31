import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';

export const sessionSignInHandler =
  (sessions: SessionService): IpcHandler<'session.signIn'> =>
  (request) =>
    sessions.signIn(request);
