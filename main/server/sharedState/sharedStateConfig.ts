import { z } from 'zod';

const redisUrlSchema = z
  .string()
  .max(2000)
  .refine((text) => {
    try {
      return ['redis:', 'rediss:'].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// URL');

/**
 * The `sharedState` key of whoot.server.json: where the state every node must agree on lives (nonces, rate-limit
 * buckets, sign-in throttle counts, connect tickets, presence, voice rooms) and how events and signals reach the
 * other nodes. `memory` (the default) keeps it in this process, as one node needs; `redis` shares it between nodes
 * (docs/server.md, "Redis").
 */
export const sharedStateConfigSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('memory') }),
    z.strictObject({
      kind: z.literal('redis'),
      url: redisUrlSchema,
      /** Put before every key and channel name, so several whoot servers (or other programs) can share one Redis. */
      keyPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - only, at most 64')
        .default('whoot:'),
    }),
  ])
  .default({ kind: 'memory' });
export type SharedStateConfig = z.output<typeof sharedStateConfigSchema>;

/** Where the shared state lives, for messages: never the URL's password. */
export function describeSharedState(config: SharedStateConfig): string {
  if (config.kind === 'memory') return 'in this process';
  const url = new URL(config.url);
  return `in Redis on ${url.host} (prefix ${config.keyPrefix})`;
}
