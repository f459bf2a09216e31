import { ok } from '../../../shared/result';
import type { ReportedCallState } from '../../tray/reportedCallState';
import type { IpcHandler } from '../registerHandlers';

export const voiceReportStateHandler =
  (callState: ReportedCallState): IpcHandler<'voice.reportState'> =>
  (request) => {
    callState.report(request);
    return ok({});
  };
