import { ok } from '../../../shared/result';
import type { SignedCall } from '../../server/doctor/doctorStep';
import { runDoctor } from '../../server/doctor/runDoctor';
import { ApiError } from '../../session/apiClient';
import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';

/**
 * "Test my connection": the network doctor (main/server/doctor) from this computer to the signed-in server, with
 * this session's signed calls. The report carries what was seen and what to open; no credential crosses to the page.
 */
export const doctorRunHandler =
  (calls: SignedCalls): IpcHandler<'doctor.run'> =>
  async () => {
    const probe = await calls.call('listWorkspaces');
    if (!probe.ok) return probe;
    const call: SignedCall = async (name, input) => {
      const result = await calls.call(name, input);
      if (!result.ok) throw new ApiError(result.error.code, result.error.message);
      return result.value.response;
    };
    return ok(await runDoctor({ server: probe.value.identity.server, call }));
  };
