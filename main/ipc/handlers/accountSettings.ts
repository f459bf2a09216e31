import { hostAndPort } from '../../../shared/identifiers';
import { fail, ok } from '../../../shared/result';
import { recoveryCodesText, writeRecoveryCodes } from '../../account/recoveryCodesFile';
import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';
import type { SavePathChooser } from './filesTransfers';
import { forward, nothing, same } from './forward';

/**
 * The signed-in account's own settings: each a signed call main makes for the page, except the recovery codes'
 * file, which main writes where the user chose in a save dialog (the page cannot write files).
 */
export function accountSettingsHandlers(
  sessions: SessionService,
  options: { readonly chooseSavePath: SavePathChooser | null; readonly now?: () => Date },
) {
  const { calls } = sessions;
  const now = options.now ?? (() => new Date());
  const setDisplayName: IpcHandler<'account.setDisplayName'> = async (request) => {
    const result = await calls.call('updateProfile', { body: request });
    if (!result.ok) return result;
    return ok(sessions.updateIdentity({ user: result.value.response.user }));
  };
  const saveRecoveryCodes: IpcHandler<'account.saveRecoveryCodes'> = async ({ codes }) => {
    const identity = sessions.identity();
    if (identity === null) return fail('not_signed_in', 'Sign in first.');
    if (options.chooseSavePath === null) return fail('unavailable', 'Saving files is not available here.');
    const path = await options.chooseSavePath('whoot-recovery-codes.txt');
    if (path === null) return ok({ saved: false });
    const text = recoveryCodesText({
      email: identity.user.email,
      server: hostAndPort(identity.server),
      codes,
      savedAt: now(),
    });
    try {
      await writeRecoveryCodes(path, text);
    } catch {
      return fail('save_failed', 'The file could not be written there. Pick another folder.');
    }
    return ok({ saved: true });
  };

  return {
    'account.get': forward<'account.get', 'getAccount'>(calls, 'getAccount', () => ({}), same),
    'account.changePassword': forward<'account.changePassword', 'changePassword'>(
      calls,
      'changePassword',
      (body) => ({ body }),
      same,
    ),
    'account.setDisplayName': setDisplayName,
    'account.totpBegin': forward<'account.totpBegin', 'totpEnroll'>(calls, 'totpEnroll', () => ({}), same),
    'account.totpConfirm': forward<'account.totpConfirm', 'totpConfirm'>(
      calls,
      'totpConfirm',
      (body) => ({ body }),
      same,
    ),
    'account.totpDisable': forward<'account.totpDisable', 'totpDisable'>(
      calls,
      'totpDisable',
      (body) => ({ body }),
      nothing,
    ),
    'account.saveRecoveryCodes': saveRecoveryCodes,
    'account.sessions': forward<'account.sessions', 'listSessions'>(calls, 'listSessions', () => ({}), same),
    'account.revokeSession': forward<'account.revokeSession', 'revokeSession'>(
      calls,
      'revokeSession',
      (params) => ({ params }),
      nothing,
    ),
  } as const;
}
