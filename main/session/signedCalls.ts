import type { CallInput, DownloadInput, UploadInput } from './apiClient';
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
  /** Where a call goes and who signs it, or why there is none: what uploads and downloads need besides the api. */
  function target(): Result<{ identity: SessionIdentity }> {
    const identity = deps.vault.identity();
    return identity === null ? fail('not_signed_in', 'Sign in first.') : ok({ identity });
  }

  async function guarded<T>(run: (identity: SessionIdentity) => Promise<T>): Promise<Result<T>> {
    const found = target();
    if (!found.ok) return found;
    try {
      return ok(await run(found.value.identity));
    } catch (error) {
      if (error instanceof ApiError || error instanceof ServerConnectionError) return fail(error.code, error.message);
      return fail('request_failed', 'The request to the server failed.');
    }
  }

  return {
    call,
    /** Streams a file to a channel (docs/chat.md, "Signed uploads"). */
    upload: (input: Omit<UploadInput, 'signer'>) =>
      guarded((identity) => deps.api.upload(identity.server, { ...input, signer: deps.signer })),
    /** Opens a file's content as a stream the caller must consume or destroy. */
    download: (input: Omit<DownloadInput, 'signer'>) =>
      guarded((identity) => deps.api.download(identity.server, { ...input, signer: deps.signer })),
  };
}

export type SignedCalls = ReturnType<typeof createSignedCalls>;
