import { z } from 'zod';

/** A literal `ip:port` or `[ipv6]:port`, as the URL parser spells a host with its port. */
const literalTarget = z
  .string()
  .max(60)
  .regex(/^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/, 'must be ip:port or [ipv6]:port');

/** The `webhooks` section of whoot.server.json. */
export const webhookConfigSchema = z
  .strictObject({
    /** Time allowed to open TCP and finish the TLS handshake with a receiver. */
    connectTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** Time allowed, once connected, for the receiver to answer with a status line. */
    responseTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Deliveries in flight at once, over all endpoints. */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** How often the dispatcher looks for new events and due retries. */
    pollIntervalMs: z.number().int().min(10).max(60_000).default(1000),
    /** Extra CA certificates (PEM) to trust for receivers, beside the system's (a company CA). */
    caFile: z.string().min(1).max(4096).optional(),
    /**
     * Tests only: literal `ip:port` targets exempt from the private-address refusal, so a test can deliver to a
     * receiver on 127.0.0.1. Only URLs that name exactly this IP and port pass; a name resolving to it does not.
     */
    allowPrivateTargets: z.array(literalTarget).max(16).default([]),
  })
  .default({
    connectTimeoutMs: 5000,
    responseTimeoutMs: 10_000,
    concurrency: 8,
    pollIntervalMs: 1000,
    allowPrivateTargets: [],
  });

export type WebhookConfig = z.output<typeof webhookConfigSchema>;
