import type { IncomingHttpHeaders } from 'node:http';
import { randomIdSchema } from '../../../shared/identifiers';
import { bearerToken, checkApiToken } from '../apiTokens/apiTokens';
import { HttpError } from '../http/httpError';
import type { RateLimiter } from '../http/rateLimiter';
import type { InboundInput, InputRequestContent, InputRequestStatus, Store } from '../store';
import type { TimelineService } from '../timeline/timelineService';
import { inputMessageText } from './inputMessage';

export interface InputReceiverOptions {
  readonly store: Store;
  readonly timeline: Pick<TimelineService, 'appendInputMessage'>;
  readonly now: () => number;
  /**
   * Requests per input (`inputs.perInput`): a burst, then a steady rate; the same bucket for ids that exist and ids
   * that do not. The shared state's buckets, so one URL posted to through several nodes meets one bucket.
   */
  readonly perInput: RateLimiter;
  readonly log?: (message: string) => void;
}

export interface ReceivedRequest {
  readonly inputId: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly headers: IncomingHttpHeaders;
}

/** Headers that carry credentials: never kept in an input's request log, whoever reads it later. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const MAX_KEPT_HEADERS = 50;

/**
 * What happens to a POST on an input URL. Every request, whatever it names, takes the same path: a rate-limit
 * bucket keyed by the id as given, one lookup, one argon2id verification (of the presented token, or of nothing
 * against a dummy hash), and the same answer. Only then does an existing, enabled input whose token check passed
 * post to its channel. So unknown, disabled, refused and accepted requests cannot be told apart by status, body
 * or the work done before answering.
 */
export function createInputReceiver(options: InputReceiverOptions) {
  const { store, timeline, now } = options;
  const log = options.log ?? (() => undefined);

  async function receive(request: ReceivedRequest): Promise<void> {
    const key = request.inputId.slice(0, 64);
    const decision = await options.perInput.take(`input:${key}`, 1, now());
    if (!decision.allowed) {
      throw new HttpError(429, 'rate_limited', 'Too many requests to this input: slow down and retry later.', {
        'retry-after': String(decision.retryAfterSeconds ?? 1),
      });
    }
    const input = randomIdSchema.safeParse(request.inputId).success
      ? await store.inbound.input(request.inputId)
      : undefined;
    const tokenId = await checkApiToken(store, bearerToken(request.headers.authorization), input?.workspaceId);
    if (input === undefined) return;

    const status: InputRequestStatus = !input.enabled
      ? 'disabled'
      : input.requireToken && tokenId === null
        ? 'token_refused'
        : await post(input, request.payload);
    if (tokenId !== null) await store.inbound.markTokenUsed(tokenId);
    await store.inbound.recordRequest({ input, status, content: input.ephemeral ? null : contentOf(request) });
  }

  async function post(input: InboundInput, payload: Readonly<Record<string, unknown>>): Promise<InputRequestStatus> {
    try {
      await timeline.appendInputMessage({
        workspaceId: input.workspaceId,
        channelId: input.channelId,
        inputId: input.id,
        inputName: input.name,
        body: inputMessageText(payload),
      });
      return 'posted';
    } catch (error) {
      log(`input: posting to the channel failed (${error instanceof Error ? error.name : 'error'})`);
      return 'failed';
    }
  }

  return { receive };
}

export type InputReceiver = ReturnType<typeof createInputReceiver>;

function contentOf(request: ReceivedRequest): InputRequestContent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers).slice(0, MAX_KEPT_HEADERS)) {
    if (SECRET_HEADERS.has(name) || value === undefined) continue;
    headers[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 1024);
  }
  return { headers, body: JSON.stringify(request.payload) };
}
