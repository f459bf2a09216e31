import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';

export const sessionSignOutHandler =
  (sessions: SessionService): IpcHandler<'session.signOut'> =>
  (request) =>
    sessions.signOut(request);
