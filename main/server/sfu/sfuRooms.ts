import { randomBytes, randomUUID } from 'node:crypto';
import type { JanusLink } from './janusSupervisor';

/** A VideoRoom on one start of Janus, made for one whoot voice room. */
export interface JanusRoom {
  /** Random, unrelated to the workspace or channel id: nothing about a room can be read or guessed from it. */
  readonly id: string;
  /** Needed to join (pin) and to moderate or destroy (secret); only this server holds them. */
  readonly pin: string;
  readonly secret: string;
  readonly link: JanusLink;
}

/**
 * whoot voice room (workspace/channel key) -> its VideoRoom on the current Janus. Rooms are audio-only, private
 * (`list` does not show them), joined with a pin, and moderated with a secret; a room made on an earlier start of
 * Janus is gone with it and is made again on the next.
 */
export class SfuRooms {
  private readonly rooms = new Map<string, Promise<JanusRoom>>();

  constructor(private readonly maxMembers: number) {}

  /** The room's VideoRoom on `link`, made on first use (concurrent callers share the one creation). */
  room(key: string, link: JanusLink): Promise<JanusRoom> {
    const existing = this.rooms.get(key);
    if (existing !== undefined) {
      return existing.then(
        (room) => (room.link === link ? room : this.create(key, link)),
        () => this.create(key, link),
      );
    }
    return this.create(key, link);
  }

  /** The room's VideoRoom if one exists on `link` now (without making one). */
  async existing(key: string, link: JanusLink): Promise<JanusRoom | null> {
    const room = await this.rooms.get(key)?.catch(() => null);
    return room?.link === link ? room : null;
  }

  /** Destroys the room's VideoRoom (its participants' PeerConnections hang up); nothing when it has none. */
  async destroy(key: string): Promise<void> {
    const pending = this.rooms.get(key);
    if (pending === undefined) return;
    this.rooms.delete(key);
    const room = await pending.catch(() => null);
    if (room === null) return;
    await room.link.control.request({ request: 'destroy', room: room.id, secret: room.secret }).catch(() => undefined);
  }

  /** Janus went away: every room went with it. */
  forgetAll(): void {
    this.rooms.clear();
  }

  private create(key: string, link: JanusLink): Promise<JanusRoom> {
    const room: JanusRoom = {
      id: randomUUID(),
      pin: randomBytes(18).toString('base64url'),
      secret: randomBytes(18).toString('base64url'),
      link,
    };
    const created = link.control
      .request({
        request: 'create',
        admin_key: link.adminKey,
        room: room.id,
        secret: room.secret,
        pin: room.pin,
        is_private: true,
        permanent: false,
        publishers: this.maxMembers,
        audiocodec: 'opus',
        opus_fec: true,
        // The level extension rides along so a recording or a "who speaks" view can read it later (docs/voice.md).
        audiolevel_ext: true,
        audiolevel_event: false,
        notify_joining: false,
        require_pvtid: false,
        // Recording is a later feature: until then only a request with the room secret could start it.
        record: false,
        lock_record: true,
      })
      .then(() => room);
    this.rooms.set(key, created);
    created.catch(() => {
      if (this.rooms.get(key) === created) this.rooms.delete(key);
    });
    return created;
  }
}
