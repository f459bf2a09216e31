import { z } from 'zod';
import { bucketConfigSchema } from '../http/rateLimiter';

/** The `inputs` section of whoot.server.json: how fast one input URL may be posted to. */
export const inputConfigSchema = z
  .strictObject({
    /**
     * One bucket per input id as requested, existing or not (so the limit itself reveals nothing). Each request
     * costs an argon2id verification, so this also bounds the CPU one URL can draw; the per-address limit of the
     * 'default' class applies as well.
     */
    perInput: bucketConfigSchema.default({ capacity: 30, refillPerSecond: 1 }),
  })
  .default({ perInput: { capacity: 30, refillPerSecond: 1 } });
