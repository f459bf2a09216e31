import type { Role } from '../../../shared/rest/endpoints';
import { randomIdSchema } from '../../../shared/identifiers';
import { HttpError } from '../http/httpError';
import { can, type Permission } from '../permissions';
import type { Channel, Member, Store } from '../store';

/**
 * One answer for "no such thing" and "not yours": a non-member learns nothing about whether a workspace or
 * channel exists, because both get exactly this error.
 */
export const notFound = () => new HttpError(404, 'not_found', 'Not found.');

export async function requireMember(store: Store, workspaceId: string, userId: string): Promise<Member> {
  if (!randomIdSchema.safeParse(workspaceId).success) throw notFound();
  const member = await store.forWorkspace(workspaceId).members.get(userId);
  if (member === undefined) throw notFound();
  return member;
}

/** A member without the permission gets 403: they can already see the workspace, so the 404 would hide nothing. */
export async function requirePermission(store: Store, workspaceId: string, userId: string, permission: Permission) {
  const member = await requireMember(store, workspaceId, userId);
  if (!can(member.role as Role, permission)) {
    throw new HttpError(403, 'forbidden', 'Your role in this workspace does not allow that.');
  }
  return member;
}

/**
 * Finds a channel by id among the caller's own workspaces only: the lookup is scoped by each membership, so a
 * channel of a workspace the caller is not in is never read, and answers like a channel that does not exist.
 */
export async function findChannelForMember(
  store: Store,
  userId: string,
  channelId: string,
): Promise<{ channel: Channel; role: Role }> {
  for (const membership of await store.workspaces.listForUser(userId)) {
    const channel = await store.forWorkspace(membership.workspace.id).channels.get(channelId);
    if (channel !== undefined) return { channel, role: membership.role };
  }
  throw notFound();
}
