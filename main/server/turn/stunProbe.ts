import { StunMethod } from './stun/constants';
import { createTurnClient } from './turnClient';

/**
 * Whether a STUN/TURN server answers a Binding request, as it answers any client's: the readiness check asks the
 * embedded relay, the relay fleet asks each relay it hands out (the bundled relay and coturn answer alike).
 */
export async function stunBindingAnswers(
  server: { readonly host: string; readonly port: number; readonly transport?: 'udp' | 'tcp' },
  timeoutMs: number,
): Promise<boolean> {
  let client: Awaited<ReturnType<typeof createTurnClient>> | undefined;
  try {
    client = await createTurnClient({
      server: { host: server.host, port: server.port },
      transport: server.transport ?? 'udp',
      username: '',
      password: '',
      timeoutMs,
    });
    const answer = await client.request(StunMethod.binding, [], { auth: false });
    return answer.errorCode === null;
  } catch {
    return false;
  } finally {
    await client?.close().catch(() => undefined);
  }
}
