import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 in front of the whoot server, so a test can cut every connection at once the way a
 * network drop does (TLS runs end to end through it, so the pin still holds).
 */
export async function startTcpProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let accepted = 0;
  let refusing = false;
  const server: Server = createServer((client) => {
    // "The server is down": every new connection is reset at once, as by a host with nothing listening.
    if (refusing) return void client.resetAndDestroy();
    accepted += 1;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind');
  return {
    port: address.port,
    /** Client connections accepted so far. */
    accepted: () => accepted,
    /**
     * Client connections open now. With `refuse(true)` and no `dropAll`, it falls as idle keep-alive connections
     * close, until only the long-lived ones (the pages' WSS) remain: a network that lets old connections live and
     * new ones fail, as a half-broken Wi-Fi does.
     */
    openConnections: () => clients.size,
    /** Resets every open connection; returns how many sockets were cut. */
    dropAll(): number {
      const count = sockets.size;
      for (const socket of [...sockets]) socket.resetAndDestroy();
      return count;
    },
    /** While true, new connections are reset (the server looks down); open ones are left to dropAll. */
    refuse(on: boolean): void {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...sockets]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
