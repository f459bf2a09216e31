import { createTurnClient, type TurnClient, type TurnClientOptions } from '../turnClient';

/**
 * The relay tests' TURN client: the production client (../turnClient.ts) bound to 127.0.0.1, so the addresses a
 * test reads from `local` are ones the relay can be told to permit.
 */
export type { Answer, Incoming } from '../turnClient';
export type TurnTestClient = TurnClient;
export type TurnTestClientOptions = TurnClientOptions;

export function createTurnTestClient(options: TurnTestClientOptions): Promise<TurnTestClient> {
  return createTurnClient({ bindAddress: '127.0.0.1', ...options });
}
