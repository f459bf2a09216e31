/** One socket of a user in a workspace, as presence counts it. */
export interface PresenceConnection {
  readonly workspaceId: string;
  readonly userId: string;
  /** The connection's random peer id: unique, so a repeated announcement is counted once. */
  readonly connectionId: string;
}

/**
 * Counts each user's connections per workspace over every node, so `member.online` is published for the first one
 * anywhere and `member.offline` for the last one anywhere, not once per device or per node. Asynchronous because
 * several nodes share it (Redis). Exactly one caller gets `true` for a first connection and one for a last, so one
 * event is published however many nodes race.
 */
export interface PresenceTracker {
  /** True when this is the user's first connection to the workspace. Idempotent per connection id. */
  connected(connection: PresenceConnection): Promise<boolean>;
  /** True when this was the user's last connection to the workspace; false when it was not counted. */
  disconnected(connection: PresenceConnection): Promise<boolean>;
  /** Of `userIds`, those with at least one connection to the workspace on any node. */
  online(workspaceId: string, userIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/** The single-node tracker: in memory, answering at once. */
export function createMemoryPresence(): PresenceTracker {
  const connections = new Map<string, Set<string>>();
  const keyOf = (workspaceId: string, userId: string) => `${workspaceId}/${userId}`;
  return {
    async connected({ workspaceId, userId, connectionId }) {
      const key = keyOf(workspaceId, userId);
      let own = connections.get(key);
      if (own === undefined) connections.set(key, (own = new Set()));
      const before = own.size;
      own.add(connectionId);
      return before === 0 && own.size === 1;
    },
    async disconnected({ workspaceId, userId, connectionId }) {
      const key = keyOf(workspaceId, userId);
      const own = connections.get(key);
      if (own === undefined || !own.delete(connectionId)) return false;
      if (own.size > 0) return false;
      connections.delete(key);
      return true;
    },
    async online(workspaceId, userIds) {
      return new Set(userIds.filter((userId) => connections.has(keyOf(workspaceId, userId))));
    },
  };
}
