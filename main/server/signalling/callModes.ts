import type { CallMode, CallModeReason, ChannelVoiceMode } from '../../../shared/voiceRoomState';
import { roomKeyParts, roomTopic, type RoomBus, type RoomDirectory } from './rooms';

/**
 * What the signalling side needs of the media server (main/server/sfu/sfuService.ts implements it): whether it
 * answers, and a way in for one connection.
 */
export interface SfuGateway {
  readonly maxMembers: number;
  available(): boolean;
  onAvailability(listener: (available: boolean) => void): () => void;
  releaseRoom(key: string): Promise<void>;
}

export interface CallModeThresholds {
  /** An `auto` room above this many members is an SFU. */
  readonly meshMaxMembers: number;
  /** An SFU room at this many members or fewer is a mesh again (below meshMaxMembers: no flapping at the line). */
  readonly meshReturnMembers: number;
}

export interface CallModeInput extends CallModeThresholds {
  readonly policy: ChannelVoiceMode;
  readonly members: number;
  /** The room's mode now; null for a room that was empty. */
  readonly current: CallMode | null;
  readonly sfuAvailable: boolean;
}

/** The room decides: a mesh up to the line, an SFU above it, unless forced; always a mesh without a media server. */
export function decideCallMode(input: CallModeInput): CallMode {
  if (!input.sfuAvailable || input.policy === 'mesh') return 'mesh';
  if (input.policy === 'sfu') return 'sfu';
  if (input.current === 'sfu') return input.members <= input.meshReturnMembers ? 'mesh' : 'sfu';
  return input.members > input.meshMaxMembers ? 'sfu' : 'mesh';
}

interface RoomMode {
  mode: CallMode;
  policy: ChannelVoiceMode;
}

/**
 * Each voice room's mode on this node: decided when members join and leave, when an admin changes the channel's
 * policy, and when the media server goes away or comes back. A change goes to every member on the room's topic
 * (`mode`), before the join that caused it is announced, so nobody starts a mesh link to a member of an SFU room.
 */
export class CallModes {
  private readonly rooms = new Map<string, RoomMode>();
  private readonly stopWatching: () => void;

  constructor(
    private readonly deps: {
      readonly directory: RoomDirectory;
      readonly bus: RoomBus;
      readonly sfu: SfuGateway | null;
      readonly thresholds: CallModeThresholds;
      readonly report: (message: string, error?: unknown) => void;
    },
  ) {
    this.stopWatching =
      deps.sfu?.onAvailability((available) => this.sfuAvailabilityChanged(available)) ?? (() => undefined);
  }

  /** Largest room a join may make: an SFU room holds more than a mesh. */
  maxMembers(policy: ChannelVoiceMode, meshLimit: number): number {
    const sfu = this.deps.sfu;
    return sfu !== null && sfu.available() && policy !== 'mesh' ? Math.max(meshLimit, sfu.maxMembers) : meshLimit;
  }

  /** The room's mode now (a mesh when unknown). */
  modeOf(key: string): CallMode {
    return this.rooms.get(key)?.mode ?? 'mesh';
  }

  /**
   * A member joined: the room (now `members` strong) may change mode. Returns the mode and `announce`, which tells
   * the other members; the joining connection calls it once it holds the mode itself, and before it announces the
   * join, so nobody starts a mesh link to a member of an SFU room.
   */
  joined(key: string, policy: ChannelVoiceMode, members: number): { mode: CallMode; announce: () => void } {
    const room = this.rooms.get(key);
    const mode = this.decide(policy, members, room?.mode ?? null);
    if (room === undefined) {
      this.rooms.set(key, { mode, policy });
      return { mode, announce: () => undefined };
    }
    room.policy = policy;
    if (room.mode === mode) return { mode, announce: () => undefined };
    return { mode, announce: () => this.change(key, room, mode, 'size') };
  }

  /** After a leave (or anything else that changed the count): decides again from the directory's count. */
  async reevaluate(key: string, reason: CallModeReason = 'size'): Promise<void> {
    const room = this.rooms.get(key);
    if (room === undefined) return;
    const members = (await this.deps.directory.members(key)).length;
    if (this.rooms.get(key) !== room) return;
    if (members === 0) {
      this.rooms.delete(key);
      if (room.mode === 'sfu') await this.release(key);
      return;
    }
    const mode = this.decide(room.policy, members, room.mode);
    if (mode !== room.mode) this.change(key, room, mode, reason);
  }

  /** An owner or admin forced the channel to a mode, or gave it back to the room's size. */
  async policyChanged(key: string, policy: ChannelVoiceMode): Promise<void> {
    const room = this.rooms.get(key);
    if (room === undefined || room.policy === policy) return;
    room.policy = policy;
    await this.reevaluate(key, 'policy');
  }

  close(): void {
    this.stopWatching();
  }

  private decide(policy: ChannelVoiceMode, members: number, current: CallMode | null): CallMode {
    return decideCallMode({
      policy,
      members,
      current,
      sfuAvailable: this.deps.sfu?.available() ?? false,
      ...this.deps.thresholds,
    });
  }

  private change(key: string, room: RoomMode, mode: CallMode, reason: CallModeReason): void {
    room.mode = mode;
    const { channelId } = roomKeyParts(key);
    this.deps.bus.publish(roomTopic(key), { kind: 'mode', channelId, mode, reason });
    if (mode === 'mesh') void this.release(key);
  }

  private async release(key: string): Promise<void> {
    await this.deps.sfu
      ?.releaseRoom(key)
      .catch((error: unknown) => this.deps.report('sfu: room release failed', error));
  }

  private sfuAvailabilityChanged(available: boolean): void {
    for (const [key, room] of this.rooms) {
      if (!available) {
        if (room.mode === 'sfu') this.change(key, room, 'mesh', 'sfu_unavailable');
      } else {
        void this.reevaluate(key, 'sfu_restored').catch((error: unknown) =>
          this.deps.report('signalling: call mode check failed', error),
        );
      }
    }
  }
}
