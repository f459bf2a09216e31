import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { DoctorStep } from '../../../shared/doctor';
import { serverUrl, type ServerAddress } from '../../../shared/identifiers';
import { parseServerMessage, wsProtocolsFor, type ServerMessage } from '../../../shared/ws';
import { connectPinned } from '../../session/pinnedTls';
import { runStep, StepFailure, type SignedCall } from './doctorStep';

/**
 * A WebSocket round trip as the app makes one: a one-time ticket minted by a signed call, the upgrade over TLS
 * with the pinned key, `hello` answered by `welcome`, then one request and its answer timed.
 */
export function checkWss(server: ServerAddress, call: SignedCall, timeoutMs: number): Promise<DoctorStep> {
  return runStep(
    'wss',
    `WebSocket (WSS) round trip on ${server.host}:${server.port}`,
    timeoutMs,
    async () => {
      const { workspaces } = await call('listWorkspaces');
      const workspace = workspaces[0];
      if (workspace === undefined) {
        throw new StepFailure('this account belongs to no workspace, so it cannot open a workspace socket', null);
      }
      const minted = await call('wsTicket', { body: { workspaceId: workspace.id } });
      const socket = await connectPinned(server, timeoutMs);
      const ws = new WebSocket(serverUrl('wss', server, minted.path), wsProtocolsFor(minted.ticket), {
        createConnection: () => socket,
        perMessageDeflate: false,
      });
      try {
        const next = messages(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('unexpected-response', (_request, response) =>
            reject(new StepFailure(`the upgrade was answered with HTTP ${response.statusCode ?? 0}`, null)),
          );
          ws.once('error', reject);
        });
        ws.send(JSON.stringify({ type: 'hello' }));
        await next((m) => m.type === 'welcome');
        const channelId = randomUUID();
        const started = performance.now();
        ws.send(JSON.stringify({ type: 'room.leave', channelId }));
        await next((m) => m.type === 'room.left' && m.channelId === channelId);
        return `hello answered, round trip ${Math.max(1, Math.round(performance.now() - started))} ms`;
      } finally {
        ws.terminate();
      }
    },
    () =>
      `HTTPS reaches the server but the WebSocket did not: allow WebSocket upgrades (Connection: Upgrade, ` +
      `Upgrade: websocket) on TCP ${server.port}; a proxy that terminates TLS must pass them through (docs/admin.md).`,
  );
}

/** Waits for the first server message matching `match`; a close fails the wait. */
function messages(ws: WebSocket) {
  const seen: ServerMessage[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    const parsed = parseServerMessage(String(data));
    if (parsed.ok) seen.push(parsed.value);
    for (const wake of waiters) wake();
  });
  return (match: (message: ServerMessage) => boolean) =>
    new Promise<ServerMessage>((resolve, reject) => {
      const check = () => {
        const found = seen.find(match);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      ws.once('close', (code) => reject(new StepFailure(`the server closed the socket (code ${code})`, null)));
      check();
    });
}
