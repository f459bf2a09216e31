import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler } from '../registerHandlers';
import { forward, same } from './forward';

/** Channel, member and voice-room lists of a workspace; the server answers 404 for one the user is not in. */
export const workspaceChannelsHandler = (calls: SignedCalls): IpcHandler<'workspace.channels'> =>
  forward<'workspace.channels', 'listChannels'>(calls, 'listChannels', (request) => ({ params: request }), same);

export const workspaceMembersHandler = (calls: SignedCalls): IpcHandler<'workspace.members'> =>
  forward<'workspace.members', 'listMembers'>(calls, 'listMembers', (request) => ({ params: request }), same);

export const workspaceVoiceRoomsHandler = (calls: SignedCalls): IpcHandler<'workspace.voiceRooms'> =>
  forward<'workspace.voiceRooms', 'voiceRooms'>(calls, 'voiceRooms', (request) => ({ params: request }), same);
