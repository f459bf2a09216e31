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
    trust.confirm(server);
    return { ok: true, value: {} };
  };
