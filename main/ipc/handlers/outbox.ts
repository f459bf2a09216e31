import { hostAndPort } from '../../../shared/identifiers';
import { fail, ok } from '../../../shared/result';
import type { SessionState } from '../../../shared/session';
import type { OutboxFile } from '../../outbox/outboxFile';
import type { IpcHandler } from '../registerHandlers';

/** Whose outbox: the signed-in server and user, as main knows them (the page names no account). */
export function outboxAccount(state: SessionState): string | null {
  return state.signedIn ? `${hostAndPort(state.server)}/${state.user.id}` : null;
}

const unavailable = () => fail('outbox_unavailable', 'Unsent messages are not kept on this device.');
const signedOut = () => fail('not_signed_in', 'Sign in first.');

export const outboxLoadHandler =
  (file: OutboxFile | null, session: () => SessionState): IpcHandler<'outbox.load'> =>
  async () => {
    if (file === null) return unavailable();
    const account = outboxAccount(session());
    return account === null ? signedOut() : ok({ entries: await file.load(account) });
  };

export const outboxSaveHandler =
  (file: OutboxFile | null, session: () => SessionState): IpcHandler<'outbox.save'> =>
  async ({ entries }) => {
    if (file === null) return unavailable();
    const account = outboxAccount(session());
    if (account === null) return signedOut();
    const saved = await file.save(account, entries);
    return saved.ok ? ok({}) : saved;
  };
