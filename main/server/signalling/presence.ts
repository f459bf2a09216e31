/**
 * Counts each user's connections per workspace, so `member.online` is published for the first one and
 * `member.offline` for the last one, not once per device. Per node: with several nodes the count moves to the
 * shared store with the rest of the scale-out state.
 */
export class PresenceCounter {
  private readonly counts = new Map<string, number>();

  /** True when this is the user's first connection to the workspace. */
  connected(workspaceId: string, userId: string): boolean {
    const key = `${workspaceId}/${userId}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count === 1;
  }

  /** True when this was the user's last connection to the workspace. */
  disconnected(workspaceId: string, userId: string): boolean {
    const key = `${workspaceId}/${userId}`;
    const count = (this.counts.get(key) ?? 0) - 1;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
    return count === 0;
  }

  /** True while the user has at least one connection to the workspace on this node. */
  isOnline(workspaceId: string, userId: string): boolean {
    return this.counts.has(`${workspaceId}/${userId}`);
  }
}
