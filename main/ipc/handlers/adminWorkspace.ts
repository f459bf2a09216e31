import type { SignedCalls } from '../../session/signedCalls';
import { bodyWithout, forward, nothing, same } from './forward';

/** Members and roles, invites and channels, for the admin console. */
export function adminWorkspaceHandlers(calls: SignedCalls) {
  return {
    'admin.members': forward<'admin.members', 'listMembers'>(calls, 'listMembers', (r) => ({ params: r }), same),
    'admin.setRole': forward<'admin.setRole', 'setMemberRole'>(
      calls,
      'setMemberRole',
      ({ workspaceId, userId, role }) => ({ params: { workspaceId, userId }, body: { role } }),
      nothing,
    ),
    'admin.removeMember': forward<'admin.removeMember', 'removeMember'>(
      calls,
      'removeMember',
      (r) => ({ params: r }),
      nothing,
    ),
    'admin.invites': forward<'admin.invites', 'listInvites'>(calls, 'listInvites', (r) => ({ params: r }), same),
    'admin.createInvite': forward<'admin.createInvite', 'createInvite'>(
      calls,
      'createInvite',
      (r) => ({ params: { workspaceId: r.workspaceId }, body: bodyWithout(r, 'workspaceId') }),
      same,
    ),
    'admin.revokeInvite': forward<'admin.revokeInvite', 'revokeInvite'>(
      calls,
      'revokeInvite',
      (r) => ({ params: r }),
      nothing,
    ),
    'admin.createChannel': forward<'admin.createChannel', 'createChannel'>(
      calls,
      'createChannel',
      (r) => ({ params: { workspaceId: r.workspaceId }, body: bodyWithout(r, 'workspaceId') }),
      same,
    ),
    'admin.deleteChannel': forward<'admin.deleteChannel', 'deleteChannel'>(
      calls,
      'deleteChannel',
      (r) => ({ params: r }),
      nothing,
    ),
  } as const;
}
