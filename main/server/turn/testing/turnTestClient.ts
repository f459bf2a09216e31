import { mintTurnCredentials } from '../../auth/turnCredentials';
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

/**
 * A test client holding TURN REST credentials minted with the relay secret for this user and session, as the server
 * mints them (or as anyone holding the secret could).
 */
export function createMintedTurnTestClient(
  options: Omit<TurnTestClientOptions, 'username' | 'password'> & {
    readonly secret: string;
    readonly userId: string;
    readonly sessionId: string;
    /** Unix milliseconds the credentials are minted at; now by default. */
    readonly mintedAt?: number;
  },
): Promise<TurnTestClient> {
  const { secret, userId, sessionId, mintedAt, ...clientOptions } = options;
  const minted = mintTurnCredentials({
    secret,
    userId,
    sessionId,
    now: Math.floor((mintedAt ?? Date.now()) / 1000),
  });
  if (!minted.ok) throw new Error(minted.error.message);
  return createTurnTestClient({
    ...clientOptions,
    username: minted.value.username,
    password: minted.value.credential,
  });
}
