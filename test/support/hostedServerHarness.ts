import { createHostedServer, type HostedServer, type ServerChannel } from '../../main/host/hostedServer';
import type { SecretStore } from '../../main/server/store';
import { serveParentPort, type ParentPortLike, type UtilityServerOptions } from '../../main/server/utilityEntry';
import { fromServerSchema, toServerSchema, type FromServerMessage } from '../../main/server/utilityProtocol';
import type { HostStatus } from '../../shared/accountIpc';

/**
 * The server the app hosts (WHOOT_HOST_SERVER=1) as main/app/bundledServer.ts runs it, but inside this process: the
 * real utility-process entry (main/server/utilityEntry.ts) behind a pair of in-memory ports that check every
 * message against the protocol's schemas both ways, as Electron's utilityProcess would carry them, and main's
 * HostedServer following it. The first-run tests (main/host, e2e/onboarding) start it this way.
 */
export function connectedPorts(): { channel: ServerChannel; parent: ParentPortLike } {
  const toChild: ((event: { data: unknown }) => void)[] = [];
  const toMain = new Set<(message: FromServerMessage) => void>();
  return {
    channel: {
      send: (message) => {
        const data = toServerSchema.parse(message);
        for (const listener of toChild) listener({ data });
      },
      onMessage: (listener) => {
        toMain.add(listener);
        return () => toMain.delete(listener);
      },
    },
    parent: {
      on: (_event, listener) => void toChild.push(listener),
      postMessage: (message) => {
        const parsed = fromServerSchema.parse(message);
        for (const listener of toMain) listener(parsed);
      },
    },
  };
}

/** A data-key store that lives as long as the test: for suites that do not test the OS keychain. */
export function memorySecretStore(): SecretStore {
  const entries = new Map<string, string>();
  return { get: async (name) => entries.get(name) ?? null, set: async (name, value) => void entries.set(name, value) };
}

export interface StartedHostedServer {
  readonly host: HostedServer;
  readonly port: number;
  readonly spkiPin: string;
  /** Every status main's HostedServer reported, in order. */
  readonly statuses: readonly HostStatus[];
  stop(): Promise<void>;
}

/**
 * Starts the hosted server with `config` (whoot.server.json's shape) and answers once main knows whether it needs
 * its first account: the first status after `starting`, reported by the HostedServer itself.
 */
export async function startHostedServer(
  config: Record<string, unknown>,
  options: Pick<UtilityServerOptions, 'openSecretStore' | 'env'> = {},
): Promise<StartedHostedServer> {
  const { channel, parent } = connectedPorts();
  const stopped = serveParentPort(parent, { env: {}, ...options });
  const ready = new Promise<{ port: number; spkiPin: string }>((resolve, reject) => {
    channel.onMessage((message) => {
      if (message.type === 'ready') resolve({ port: message.port, spkiPin: message.spkiPin });
      if (message.type === 'error') reject(new Error(message.message));
    });
  });
  const host = createHostedServer({ channel, ready });
  const statuses: HostStatus[] = [];
  const settled = new Promise<void>((resolve) => {
    host.onChange((status) => {
      statuses.push(status);
      resolve();
    });
  });
  channel.send({ type: 'start', config });
  const { port, spkiPin } = await ready;
  await settled;
  return {
    host,
    port,
    spkiPin,
    statuses,
    async stop() {
      channel.send({ type: 'stop' });
      await stopped;
    },
  };
}
