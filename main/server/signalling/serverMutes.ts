/**
 * Who is server-muted in which workspace, in memory, because the relay's question ("is this user's voice blocked?")
 * must be answered synchronously when it caches the answer on an allocation. The store is the record: this index is
 * loaded from it at start and the moderation handlers update it after each store write, and since this process is
 * the store's only writer it never holds a mute the store does not. With several nodes, each node's index follows
 * the `member.voiceModerated` events on the shared bus (main/server/signalling/README.md, "Scale-out seams").
 */
export class ServerMuteIndex {
  /** userId -> workspaces where that user is server-muted: the relay asks per user. */
  private readonly byUser = new Map<string, Set<string>>();

  constructor(entries: Iterable<{ readonly workspaceId: string; readonly userId: string }> = []) {
    for (const { workspaceId, userId } of entries) this.set(workspaceId, userId, true);
  }

  /** Records the mute (or its lifting); true when that changed anything. */
  set(workspaceId: string, userId: string, muted: boolean): boolean {
    const workspaces = this.byUser.get(userId);
    if (muted) {
      if (workspaces?.has(workspaceId)) return false;
      if (workspaces === undefined) this.byUser.set(userId, new Set([workspaceId]));
      else workspaces.add(workspaceId);
      return true;
    }
    if (!workspaces?.delete(workspaceId)) return false;
    if (workspaces.size === 0) this.byUser.delete(userId);
    return true;
  }

  isMuted(workspaceId: string, userId: string): boolean {
    return this.byUser.get(userId)?.has(workspaceId) ?? false;
  }

  /** The workspaces where the user is server-muted, or undefined when there are none (the common case). */
  mutedWorkspacesOf(userId: string): ReadonlySet<string> | undefined {
    return this.byUser.get(userId);
  }
}
