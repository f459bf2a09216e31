import type { SfuPeer } from '../turn/sfuPeers';
import { chooseIceAddress } from './iceAddress';
import { superviseJanus, type JanusLink } from './janusSupervisor';
import type { SfuConfig } from './sfuConfig';
import { openSfuMember, type SfuMember, type SfuMemberInput } from './sfuMember';
import { SfuRooms } from './sfuRooms';

/**
 * The server's media server, as the signalling side sees it: whether it answers, a member's way in, and the
 * address the relay may reach it at. Everything Janus-specific stays behind this.
 */
export interface SfuService {
  /** Members an SFU room holds. */
  readonly maxMembers: number;
  /** The relay's one private-address exception: Janus's ICE address and media ports. */
  readonly peers: readonly SfuPeer[];
  available(): boolean;
  /** Called with false the moment Janus goes away, and with true when it answers (again). */
  onAvailability(listener: (available: boolean) => void): () => void;
  /** Opens a connection's member of the room `key` (the room's VideoRoom is made on first use). */
  openMember(key: string, input: SfuMemberInput): Promise<SfuMember>;
  /** The room left SFU mode or emptied: its VideoRoom goes. */
  releaseRoom(key: string): Promise<void>;
  /**
   * Publisher ids (peer ids) in the room's VideoRoom now, or null when it has none: what tests and the recording
   * hook see of a room (a recorder would subscribe to these feeds on the server side).
   */
  participants(key: string): Promise<string[] | null>;
  /** How many VideoRooms Janus holds now (null while it is down): one per voice room in SFU mode. */
  roomCount(): Promise<number | null>;
  /** Janus's process id, when it is our child (the benchmark reads its CPU time). */
  pid(): number | null;
  /** The first start: resolves when Janus answers, rejects with why it could not start. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the media server. `relayAddress` is where the relay's relayed sockets bind: Janus must reach it, so it
 * cannot be loopback, and it is where a child Janus gathers unless `sfu.janus.iceAddress` says otherwise.
 */
export function startSfuService(
  dataDir: string,
  config: SfuConfig,
  relayAddress: string,
  log: (message: string) => void,
  tap?: (request: Readonly<Record<string, unknown>>) => void,
): SfuService {
  if (isLoopback(relayAddress)) {
    throw new Error(
      `sfu: the relay's relayed address is ${relayAddress}, which Janus cannot reach (it never uses loopback): ` +
        'set relay.relayIp to this host\'s private address (docs/voice.md, "Janus, run and locked down")',
    );
  }
  const iceAddress =
    config.janus.kind === 'child'
      ? chooseIceAddress(config.janus.iceAddress, undefined, relayAddress).address
      : config.janus.iceAddress;
  log(`sfu: Janus media on ${iceAddress}, UDP ${config.janus.rtpPorts.min}-${config.janus.rtpPorts.max}`);
  const supervisor = superviseJanus(dataDir, config.janus, iceAddress, log, tap);
  const rooms = new SfuRooms(config.maxMembers);
  const members = new Set<SfuMember>();
  const listeners = new Set<(available: boolean) => void>();
  supervisor.onChange((link) => {
    if (link === null) {
      // Their sessions went with Janus: close them so nothing more is sent on their behalf.
      for (const member of members) member.close();
      members.clear();
      rooms.forgetAll();
    }
    for (const listener of [...listeners]) listener(link !== null);
  });

  const live = (): JanusLink => {
    const link = supervisor.current();
    if (link === null) throw new Error('the media server is not available');
    return link;
  };

  return {
    maxMembers: config.maxMembers,
    peers: [{ address: iceAddress, ports: config.janus.rtpPorts }],
    available: () => supervisor.current() !== null,
    onAvailability(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async openMember(key, input) {
      const link = live();
      const room = await rooms.room(key, link);
      const member = await openSfuMember(room, input);
      if (supervisor.current() !== link) {
        member.close();
        throw new Error('the media server restarted while the member joined');
      }
      members.add(member);
      return {
        handle: (message) => member.handle(message),
        setServerMuted: (muted) => member.setServerMuted(muted),
        close() {
          members.delete(member);
          member.close();
        },
      };
    },
    releaseRoom: (key) => rooms.destroy(key),
    async participants(key) {
      const link = supervisor.current();
      const room = link === null ? null : await rooms.existing(key, link);
      if (room === null || link === null) return null;
      const answer = await link.control.request({ request: 'listparticipants', room: room.id });
      const list = answer.data['participants'];
      return Array.isArray(list) ? list.map((entry) => String((entry as { id: unknown }).id)).sort() : [];
    },
    async roomCount() {
      const link = supervisor.current();
      if (link === null) return null;
      const answer = await link.control.request({ request: 'list', admin_key: link.adminKey });
      const list = answer.data['list'];
      return Array.isArray(list) ? list.length : 0;
    },
    pid: () => supervisor.pid(),
    ready: supervisor.ready,
    async close() {
      for (const member of members) member.close();
      members.clear();
      await supervisor.close();
    },
  };
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}
