import type { CallInput } from './apiClient';
import { ApiError, type ServerApi } from './apiClient';
import type { CredentialVault, SessionIdentity } from './credentialVault';
import { ServerConnectionError } from './pinnedTls';
import type { RequestSigner } from './requestSigner';
import type { EndpointName, ResponseOf } from '../../shared/rest/endpoints';
import { fail, ok, type Result } from '../../shared/result';

/**
 * Signed calls on behalf of the renderer: the server address and the session come from the vault, never from the
 * page, and failures come back as the contract's Result with the server's error code (the page shows the message).
 */
export function createSignedCalls(deps: { vault: CredentialVault; api: ServerApi; signer: RequestSigner }) {
  async function call<N extends EndpointName>(
    name: N,
    input: Omit<CallInput<N>, 'signer'> = {},
  ): Promise<Result<{ response: ResponseOf<N>; identity: SessionIdentity }>> {
    const identity = deps.vault.identity();
    if (identity === null) return fail('not_signed_in', 'Sign in first.');
    try {
      const response = await deps.api.call(identity.server, name, { ...input, signer: deps.signer });
      return ok({ response, identity });
    } catch (error) {
      if (error instanceof ApiError || error instanceof ServerConnectionError) return fail(error.code, error.message);
      return fail('request_failed', 'The request to the server failed.');
    }
  }
  return { call };
}

export type SignedCalls = ReturnType<typeof createSignedCalls>;
