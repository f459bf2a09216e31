import type { TestProject } from 'vitest/node';
import { startRedis } from './redis';
import type {} from '../../main/server/sharedState/sharedStateTestKit';

/**
 * Once per test run: one Redis for every shared-state test on the Redis backend and the multi-node suites, each
 * under its own key prefix. Stopped when the run ends; a watchdog stops it if the run is killed. Tests that restart
 * Redis start their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedis({ tag: 'vitest' });
  project.provide('whootRedis', { url: server.url });
  return () => server.stop();
}
