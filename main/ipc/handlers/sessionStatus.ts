import { ok } from '../../../shared/result';
import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';

export const sessionStatusHandler =
  (sessions: SessionService): IpcHandler<'session.status'> =>
  () =>
    ok(sessions.state());
