import { WebSocket } from 'ws';
import { parseServerMessage, wsProtocolsFor } from '../../shared/ws';

/**
 * A bench's receiving socket: opens the WSS with a ticket, says hello and resolves once welcomed; from then on each
 * `message.posted` of a bench post (body "bench N") is reported with its arrival time (process.hrtime: one clock
 * machine-wide). Thousands of frames a second arrive at these sockets together: the first frame is parsed properly,
 * the rest only matched for the bench marker, so the readers (which share the machine) cost as little as they can.
 * Rejects, with the socket terminated, when it is refused or closes before the welcome.
 */
export function openReceivingSocket(
  port: number,
  ticket: string,
  path: string,
  onPost: (index: number, receivedAt: bigint) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, wsProtocolsFor(ticket), {
    rejectUnauthorized: false,
    perMessageDeflate: false,
  });
  return new Promise<WebSocket>((resolve, reject) => {
    let welcomed = false;
    const refused = (why: string) => () => {
      if (welcomed) return;
      ws.terminate();
      reject(new Error(`the socket ${why} before the welcome`));
    };
    ws.once('unexpected-response', refused('was refused'));
    ws.once('error', refused('failed'));
    ws.once('close', refused('closed'));
    ws.on('message', (data) => {
      const received = process.hrtime.bigint();
      const text = String(data);
      if (!welcomed) {
        const parsed = parseServerMessage(text);
        if (parsed.ok && parsed.value.type === 'welcome') {
          welcomed = true;
          resolve(ws);
        }
        return;
      }
      const match = /"type":"message\.posted".*"body":"bench (\d+)"/.exec(text);
      if (match) onPost(Number(match[1]), received);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello' })));
  });
}
