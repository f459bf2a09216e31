import type { ApiToken } from '../../../shared/apiTokens';
import { mintApiToken } from '../apiTokens/apiTokens';
import { HttpError } from '../http/httpError';
import type { ApiTokenRecord } from '../store';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound, requirePermission } from './membership';

export const MAX_API_TOKENS_PER_WORKSPACE = 50;

type AdminHandlers = Pick<EndpointHandlers, 'listApiTokens' | 'createApiToken' | 'revokeApiToken'>;

const tokenDto = (token: ApiTokenRecord): ApiToken => ({
  id: token.id,
  name: token.name,
  createdAt: token.createdAt,
  lastUsedAt: token.lastUsedAt,
  revokedAt: token.revokedAt,
});

/** The admin console's workspace operations beyond what workspaceHandlers serves members: API tokens. */
export function adminHandlers(deps: ApiDeps): AdminHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';

  async function tokens(params: Readonly<Record<string, string>>, userId: string) {
    const workspaceId = param(params, 'workspaceId');
    await requirePermission(store, workspaceId, userId, 'integrations.manage');
    return { workspaceId, tokens: store.forWorkspace(workspaceId).apiTokens };
  }

  return {
    async listApiTokens({ session, params }) {
      const scope = await tokens(params, session.userId);
      return { status: 200, body: { tokens: (await scope.tokens.list()).map(tokenDto) } };
    },

    async createApiToken({ session, params, body }) {
      const scope = await tokens(params, session.userId);
      if ((await scope.tokens.list()).length >= MAX_API_TOKENS_PER_WORKSPACE) {
        throw new HttpError(
          409,
          'too_many_tokens',
          `A workspace can have at most ${MAX_API_TOKENS_PER_WORKSPACE} API tokens.`,
        );
      }
      const minted = await mintApiToken();
      const created = await scope.tokens.create({
        id: minted.tokenId,
        name: body.name,
        secretHash: minted.secretHash,
        createdBy: session.userId,
      });
      await deps.audit({
        type: 'api_token.created',
        actorUserId: session.userId,
        workspaceId: scope.workspaceId,
        details: { tokenId: created.id },
      });
      return { status: 201, body: { apiToken: tokenDto(created), token: minted.token } };
    },

    async revokeApiToken({ session, params }) {
      const scope = await tokens(params, session.userId);
      const tokenId = param(params, 'tokenId');
      if ((await scope.tokens.get(tokenId)) === undefined) throw notFound();
      if (await scope.tokens.revoke(tokenId)) {
        await deps.audit({
          type: 'api_token.revoked',
          actorUserId: session.userId,
          workspaceId: scope.workspaceId,
          details: { tokenId },
        });
      }
      return { status: 204 };
    },
  };
}
