import { HttpError } from '../http/httpError';
import { createReadinessCheck } from '../readiness';
import type { ApiDeps, EndpointHandlers } from './context';

type ServerInfoHandlers = Pick<EndpointHandlers, 'health' | 'ready' | 'serverInfo'>;

/**
 * What anyone may ask without signing in: liveness and readiness for load balancers and service managers, and what
 * the server allows (registration, workspace creation) for the app to show. No version, build, host or component
 * name is ever part of an answer.
 */
export function serverInfoHandlers(deps: ApiDeps): ServerInfoHandlers {
  const isReady = createReadinessCheck({
    store: deps.store,
    sharedState: deps.sharedState,
    relay: deps.relay,
    log: deps.log,
    now: deps.now,
  });
  return {
    async health() {
      return { status: 200, body: { status: 'ok' } };
    },
    async ready() {
      // A draining node leaves rotation at once, whatever its parts say.
      if (deps.draining() || !(await isReady())) throw new HttpError(503, 'not_ready', 'The server is not ready.');
      return { status: 200, body: { status: 'ready' } };
    },
    async serverInfo() {
      const { registration, workspaceCreation } = deps.config;
      return { status: 200, body: { registration, workspaceCreation } };
    },
  };
}
