import { z } from 'zod';
import { randomIdSchema, workspaceSlugSchema } from './identifiers';
import { endpoints } from './rest/endpoints';
import { sessionStateSchema, signInRequestSchema } from './session';
import { ssoLookupSchema, ssoSettingsInputSchema } from './sso';

/**
 * Single sign-on's IPC channels, spread into shared/ipc.ts. The page names a server (as sign-in does: by invite or
 * by address and pin, and only one the user confirmed) and a workspace; main does the rest: the verifier, the
 * loopback listener, the system browser and the code exchange. The page never sees a code, a verifier or a token.
 */
const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });
const inWorkspace = z.strictObject({ workspaceId: randomIdSchema });

export const ssoIpcChannels = {
  /** Whether the workspace (from the invite, or named) signs in through an identity provider, and which. */
  'sso.lookup': channel(
    z.strictObject({ server: signInRequestSchema.shape.server, lookup: ssoLookupSchema }),
    endpoints.ssoLookup.response,
  ),
  /** "Sign in with …": resolves when the browser trip ended, with the session or the reason it did not finish. */
  'sso.signIn': channel(
    z.strictObject({ server: signInRequestSchema.shape.server, workspace: workspaceSlugSchema }),
    sessionStateSchema,
  ),
  /** The admin console's section (owners): the secret goes in, never comes back out. */
  'admin.ssoSettings': channel(inWorkspace, endpoints.getSsoSettings.response),
  'admin.saveSsoSettings': channel(ssoSettingsInputSchema.extend(inWorkspace.shape), endpoints.putSsoSettings.response),
  'admin.removeSsoSettings': channel(inWorkspace, z.strictObject({})),
} as const;
