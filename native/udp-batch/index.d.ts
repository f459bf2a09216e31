/** A bound UDP socket read in batches: see src/udp_batch.c. */
export interface BatchSocket {
  /** batch × slotBytes: datagram i starts at i × slotBytes. */
  readonly buffer: ArrayBuffer;
  /** batch × metaWords u32: length, port, family | truncated << 8, IPv4 (host order), then 16 address bytes. */
  readonly meta: ArrayBuffer;
  readonly port: number;
  readonly family: 4 | 6;
  /** Queued while a batch is being handled (sent together after it), sent at once otherwise. */
  send(packet: Uint8Array, family: 4, port: number, ipv4: number): void;
  send(packet: Uint8Array, family: 6, port: number, ipv6: Uint8Array): void;
  /** Until the matching uncork(), sends are queued as in a batch; the last uncork() sends them in one sendmmsg. */
  cork(): void;
  uncork(): void;
  close(): void;
  stats(): { received: number; batches: number; sent: number; sendFailed: number; sendCalls: number };
}

export type UdpBatch =
  | {
      readonly supported: true;
      readonly batch: number;
      readonly slotBytes: number;
      readonly metaWords: number;
      open(
        host: string,
        port: number,
        reusePort: boolean,
        bufferBytes: number,
        onBatch: (count: number) => void,
        owner: object,
      ): BatchSocket;
    }
  | { readonly supported: false; readonly loadError?: string };

declare const udpBatch: UdpBatch;
export = udpBatch;
