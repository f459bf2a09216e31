import { z } from 'zod';

/**
 * Messages between main and the key hook process (keyHookEntry.ts). The hook sees every key typed anywhere on the
 * desktop, so main tells it which codes to forward (`watch`) and it forwards only those: nothing else typed ever
 * leaves that process. Both sides parse what they receive.
 */
export const KEY_HOOK_SERVICE_NAME = 'whoot-key-hook';

const code = z.number().int().min(0).max(0xffff);

export const toKeyHookSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('watch'),
    keys: z.array(code).max(16),
    buttons: z.array(code).max(4),
  }),
  z.strictObject({ type: z.literal('stop') }),
]);
export type ToKeyHookMessage = z.output<typeof toKeyHookSchema>;

export const fromKeyHookSchema = z.discriminatedUnion('type', [
  /** The hook runs and sees the desktop's input. */
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({
    type: z.literal('input'),
    device: z.enum(['key', 'mouse']),
    state: z.enum(['down', 'up']),
    code,
  }),
  /** The hook could not start; the process exits after sending this. */
  z.strictObject({ type: z.literal('error'), message: z.string().max(400) }),
]);
export type FromKeyHookMessage = z.output<typeof fromKeyHookSchema>;
