import { fail } from '../../../shared/result';
import type { ServerTrust } from '../../session/serverTrust';
import type { IpcHandler } from '../registerHandlers';

/** What the app knows of a server before it talks to it: known, new, or known with another key. */
export const serversReviewHandler =
  (trust: ServerTrust): IpcHandler<'servers.review'> =>
  async (server) => ({ ok: true, value: await trust.review(server) });

/** The user confirmed the server in the page's question (host and key fingerprint shown): sign-in may reach it. */
export const serversConfirmHandler =
  (trust: ServerTrust): IpcHandler<'servers.confirm'> =>
  (server) => {
    if (!trust.isAllowed(server)) return serverNotAllowed();
    trust.confirm(server);
    return { ok: true, value: {} };
  };

/** The organization's policy lists the servers the app may join (allowedServerPins), and this one is not listed. */
export const serverNotAllowed = () =>
  fail(
    'server_not_allowed',
    "Your organization's policy allows only its own servers, and this server's key is not among them.",
  );
