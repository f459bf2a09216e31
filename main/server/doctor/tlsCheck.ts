import type { DoctorStep } from '../../../shared/doctor';
import type { ServerAddress } from '../../../shared/identifiers';
import { connectPinned } from '../../session/pinnedTls';
import { runStep } from './doctorStep';

/** TLS to the server's HTTPS/WSS port, accepted only with the key the invite pins. */
export function checkTls(server: ServerAddress, timeoutMs: number): Promise<DoctorStep> {
  return runStep(
    'tls',
    `TLS to ${server.host}:${server.port} with the pinned key`,
    timeoutMs,
    async () => {
      const socket = await connectPinned(server, timeoutMs);
      const protocol = socket.getProtocol() ?? 'TLS';
      socket.destroy();
      return `${protocol.replace('v', ' ')}, server key matches the pin`;
    },
    (problem) =>
      /key/.test(problem)
        ? 'Something between you and the server replaced its certificate (a TLS-inspecting proxy or firewall): ' +
          `exempt ${server.host} from TLS inspection. If the server's key changed, ask for a new invite.`
        : `Allow outbound TCP ${server.port} from this computer to ${server.host} (HTTPS and WSS share it), and ` +
          `inbound TCP ${server.port} on the server.`,
  );
}
