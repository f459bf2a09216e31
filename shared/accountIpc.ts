import { z } from 'zod';
import { sessionIdSchema } from './admin';
import { inviteSchema } from './deepLink';
import {
  hostAndPort,
  hostSchema,
  portSchema,
  spkiPinSchema,
  workspaceSlugSchema,
  type ServerAddress,
} from './identifiers';
import { newPasswordSchema } from './passwordStrength';
import { displayNameSchema, endpoints, recoveryCodeSchema, workspaceNameSchema } from './rest/endpoints';
import { passwordSchema, sessionStateSchema, totpCodeSchema, workspaceSummarySchema } from './session';

/**
 * The IPC channels of onboarding and the account, spread into shared/ipc.ts: creating an account (from an invite,
 * or on an open server), finishing a sign-in with a second factor, the account's own settings (password, name,
 * authenticator, sessions), joining and creating workspaces while signed in, and setting up a server the app hosts.
 * Main makes every call; the page holds no token. Passwords pass through main to the server and are kept nowhere.
 */
const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });
const done = z.strictObject({});

/** The server an account is created on: named by the invite (first contact) or by an address already trusted. */
const accountServerSchema = z.union([
  z.strictObject({ invite: inviteSchema }),
  z.strictObject({ host: hostSchema, port: portSchema, spkiPin: spkiPinSchema }),
]);

export const signUpRequestSchema = z.strictObject({
  server: accountServerSchema,
  displayName: displayNameSchema,
  email: z.email('must be an email address').max(254),
  password: newPasswordSchema,
});
export type SignUpRequest = z.input<typeof signUpRequestSchema>;

/** The second step of a sign-in that answered `mfa_required`: the code alone (main kept the first step). */
export const secondFactorSchema = z.union([
  z.strictObject({ totp: totpCodeSchema }),
  z.strictObject({ recoveryCode: recoveryCodeSchema }),
]);

/**
 * Whether an invite names another server than the signed-in one, and what to tell the person if so: whoot is signed
 * in to one server at a time (one session in the vault, one server in the page's CSP, one realtime connection), so
 * such an invite needs a sign-out first. Main refuses it with this message; the join dialog says it before asking.
 */
export function otherServerProblem(
  invite: Pick<ServerAddress, 'host' | 'port'>,
  signedIn: Pick<ServerAddress, 'host' | 'port'>,
): string | null {
  if (invite.host === signedIn.host && invite.port === signedIn.port) return null;
  return (
    `This invite is for another server, ${hostAndPort(invite)}. whoot is signed in to one server at a time ` +
    `(${hostAndPort(signedIn)}): sign out, then open the invite to join that server.`
  );
}

/** A workspace the signed-in user just joined or created, and the session as it is now (with it in the list). */
const workspaceJoinedSchema = z.strictObject({ workspace: workspaceSummarySchema, session: sessionStateSchema });

/** A server this app hosts (WHOOT_HOST_SERVER=1) and whether it still needs its first account. */
export const hostStatusSchema = z.discriminatedUnion('state', [
  /** This app hosts no server. */
  z.strictObject({ state: z.literal('off') }),
  z.strictObject({ state: z.literal('starting') }),
  z.strictObject({ state: z.literal('failed'), message: z.string().max(500) }),
  /** Running, with no account yet: the first run's "Set up your server". */
  z.strictObject({ state: z.literal('needsSetup'), host: hostSchema, port: portSchema }),
  z.strictObject({ state: z.literal('ready'), host: hostSchema, port: portSchema }),
]);
export type HostStatus = z.output<typeof hostStatusSchema>;

export const hostSetupRequestSchema = z.strictObject({
  displayName: displayNameSchema,
  email: z.email('must be an email address').max(254),
  password: newPasswordSchema,
  workspaceName: workspaceNameSchema,
  workspaceSlug: workspaceSlugSchema,
});
export type HostSetupRequest = z.input<typeof hostSetupRequestSchema>;

export const accountIpcChannels = {
  /** What a server allows (registration, workspace creation), asked only of a server the user confirmed. */
  'servers.info': channel(
    z.strictObject({ host: hostSchema, port: portSchema, spkiPin: spkiPinSchema }),
    endpoints.serverInfo.response,
  ),
  /** Creates the account (with the invite, which it uses) and signs in; the session says it is new. */
  'session.signUp': channel(signUpRequestSchema, sessionStateSchema),
  'session.completeSignIn': channel(secondFactorSchema, sessionStateSchema),
  /** The new account's welcome (offer of an authenticator) is over: skipped or done. */
  'session.finishWelcome': channel(done, sessionStateSchema),
  'account.get': channel(done, endpoints.getAccount.response),
  'account.changePassword': channel(
    z.strictObject({ currentPassword: passwordSchema, newPassword: newPasswordSchema }),
    endpoints.changePassword.response,
  ),
  'account.setDisplayName': channel(z.strictObject({ displayName: displayNameSchema }), sessionStateSchema),
  /** A new authenticator secret to show (QR code and text); not on until confirmed with a code from it. */
  'account.totpBegin': channel(done, endpoints.totpEnroll.response),
  /** Turns the authenticator on; the answer holds the ten recovery codes, shown once. */
  'account.totpConfirm': channel(z.strictObject({ code: totpCodeSchema }), endpoints.totpConfirm.response),
  'account.totpDisable': channel(z.strictObject({ code: totpCodeSchema }), done),
  /** Writes the recovery codes to a file the user picks (a save dialog in main); false when they cancel. */
  'account.saveRecoveryCodes': channel(
    z.strictObject({ codes: z.array(recoveryCodeSchema).length(10) }),
    z.strictObject({ saved: z.boolean() }),
  ),
  /** The signed-in user's own sessions on this server (one per signed-in device), and ending one of the others. */
  'account.sessions': channel(done, endpoints.listSessions.response),
  'account.revokeSession': channel(z.strictObject({ sessionId: sessionIdSchema }), done),
  /** Joins a workspace by invite without signing out (the invite must name the signed-in server). */
  'workspaces.join': channel(z.strictObject({ invite: inviteSchema }), workspaceJoinedSchema),
  'workspaces.create': channel(
    z.strictObject({ name: workspaceNameSchema, slug: workspaceSlugSchema }),
    workspaceJoinedSchema,
  ),
  'host.status': channel(done, hostStatusSchema),
  /** The hosted server's first account (its owner) and first workspace, then a sign-in to it. */
  'host.setUp': channel(hostSetupRequestSchema, sessionStateSchema),
} as const;
