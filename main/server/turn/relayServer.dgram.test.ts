/**
 * relayServer.test.ts again with Node's dgram on the UDP listener: the listener of every platform without the
 * recvmmsg/sendmmsg addon (macOS, Windows), and of `--udp-io dgram`.
 */
(globalThis as { relayTestUdpIo?: 'batched' | 'dgram' }).relayTestUdpIo = 'dgram';
await import('./relayServer.test');

export {};
