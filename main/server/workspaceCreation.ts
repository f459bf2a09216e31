import { ok, type Result } from '../../shared/result';
import type { ChannelVoiceMode } from '../../shared/voiceRoomState';
import type { ServerConfig } from './config';
import type { Channel, ChannelKind, Store, User, Workspace } from './store';

export interface NewChannel {
  readonly name: string;
  readonly kind: ChannelKind;
  readonly relayOnly: boolean;
  readonly voiceMode?: ChannelVoiceMode;
}

/**
 * Whether an account may create workspaces through the API. 'operators' are the server owners (the server's first
 * account, whether the CLI or a sign-up made it); the CLI itself may always, since it runs with the data directory.
 */
export function mayCreateWorkspaces(policy: ServerConfig['workspaceCreation'], user: User | undefined): boolean {
  return policy === 'anyone' || user?.serverOwner === true;
}

/**
 * A new workspace with its owner and its first channels (the configured `defaultChannels`): what the API and the
 * CLI both do, so the first people invited to a workspace find somewhere to talk and to write.
 */
export async function createWorkspaceWithChannels(
  store: Store,
  input: {
    readonly slug: string;
    readonly name: string;
    readonly ownerUserId: string;
    readonly channels: readonly NewChannel[];
    /** Recorded in the audit entry: which door created it. */
    readonly via: 'api' | 'cli' | 'setup';
  },
): Promise<Result<{ readonly workspace: Workspace; readonly channels: readonly Channel[] }>> {
  const created = await store.workspaces.create({ slug: input.slug, name: input.name, ownerUserId: input.ownerUserId });
  if (!created.ok) return created;
  const workspace = created.value;
  const scope = store.forWorkspace(workspace.id);
  const channels: Channel[] = [];
  for (const channel of input.channels) channels.push(await scope.channels.create(channel));
  await store.audit.append({
    type: 'workspace.created',
    actorUserId: input.ownerUserId,
    workspaceId: workspace.id,
    details: { via: input.via, channels: channels.length },
  });
  return ok({ workspace, channels });
}
