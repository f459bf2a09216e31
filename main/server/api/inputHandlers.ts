import { serverUrl } from '../../../shared/identifiers';
import { INPUT_ACCEPTED, INPUT_PATH_PREFIX, type Input } from '../../../shared/inboundInputs';
import { HttpError } from '../http/httpError';
import { createInputReceiver } from '../inputs/inputReceiver';
import type { InboundInput } from '../store';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound, requirePermission } from './membership';

export const MAX_INPUTS_PER_WORKSPACE = 50;
const REQUEST_LOG_PAGE = 50;

type InputHandlers = Pick<
  EndpointHandlers,
  'postInput' | 'listInputs' | 'createInput' | 'updateInput' | 'deleteInput' | 'listInputRequests'
>;

/**
 * Inbound webhook inputs: the public URL external systems post to (inputs/inputReceiver.ts does the uniform work),
 * and their management by workspace owners and admins (members 403, everyone else and other workspaces' ids 404).
 */
export function inputHandlers(deps: ApiDeps): InputHandlers {
  const { store } = deps;
  const param = (params: Readonly<Record<string, string>>, name: string) => params[name] ?? '';
  const receiver = createInputReceiver({
    store,
    timeline: deps.timeline,
    now: deps.now,
    perInput: deps.sharedState.rateLimiter(deps.config.inputs.perInput, 'input'),
    log: deps.log,
  });

  const inputDto = (input: InboundInput): Input => ({
    id: input.id,
    workspaceId: input.workspaceId,
    channelId: input.channelId,
    name: input.name,
    enabled: input.enabled,
    ephemeral: input.ephemeral,
    requireToken: input.requireToken,
    url: serverUrl(
      'https',
      { host: deps.config.publicHost, port: deps.publicPort() },
      `${INPUT_PATH_PREFIX}${encodeURIComponent(input.id)}`,
    ),
    createdAt: input.createdAt,
  });

  async function manage(params: Readonly<Record<string, string>>, userId: string) {
    const workspaceId = param(params, 'workspaceId');
    await requirePermission(store, workspaceId, userId, 'integrations.manage');
    return { workspaceId, inputs: store.forWorkspace(workspaceId).inputs };
  }

  async function recordChange(workspaceId: string, actorUserId: string, change: string, inputId: string) {
    await deps.audit({ type: `input.${change}`, actorUserId, workspaceId, details: { inputId } });
  }

  return {
    async postInput({ params, body, request }) {
      await receiver.receive({ inputId: param(params, 'inputId'), payload: body, headers: request.headers });
      return { status: 200, body: INPUT_ACCEPTED };
    },

    async listInputs({ session, params }) {
      const { inputs } = await manage(params, session.userId);
      return { status: 200, body: { inputs: (await inputs.list()).map(inputDto) } };
    },

    async createInput({ session, params, body }) {
      const { workspaceId, inputs } = await manage(params, session.userId);
      if ((await inputs.list()).length >= MAX_INPUTS_PER_WORKSPACE) {
        throw new HttpError(409, 'too_many_inputs', `A workspace can have at most ${MAX_INPUTS_PER_WORKSPACE} inputs.`);
      }
      const created = await inputs.create({ ...body, createdBy: session.userId });
      // A channel of another workspace answers like one that does not exist.
      if (created === undefined) throw notFound();
      await recordChange(workspaceId, session.userId, 'created', created.id);
      return { status: 201, body: { input: inputDto(created) } };
    },

    async updateInput({ session, params, body }) {
      const { workspaceId, inputs } = await manage(params, session.userId);
      const updated = await inputs.update(param(params, 'inputId'), body);
      if (updated === undefined) throw notFound();
      await recordChange(workspaceId, session.userId, 'updated', updated.id);
      return { status: 200, body: { input: inputDto(updated) } };
    },

    async deleteInput({ session, params }) {
      const { workspaceId, inputs } = await manage(params, session.userId);
      const inputId = param(params, 'inputId');
      if (!(await inputs.delete(inputId))) throw notFound();
      await recordChange(workspaceId, session.userId, 'deleted', inputId);
      return { status: 204 };
    },

    async listInputRequests({ session, params }) {
      const { inputs } = await manage(params, session.userId);
      const inputId = param(params, 'inputId');
      if ((await inputs.get(inputId)) === undefined) throw notFound();
      const requests = await inputs.requests(inputId, REQUEST_LOG_PAGE);
      return {
        status: 200,
        body: {
          requests: requests.map((r) => ({ id: r.id, receivedAt: r.receivedAt, status: r.status, content: r.content })),
        },
      };
    },
  };
}
