import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { Invite } from '../../../shared/deepLink';
import { useStores } from '../../storesContext';

/**
 * "Sign in with {provider}" above the password form, when the invite's workspace has single sign-on; otherwise a
 * quieter "Use your organization's sign-in" for a server not yet confirmed (nothing is asked of it before the
 * user confirms). The provider's page opens in the system browser, never in this window.
 */
export function SsoSignInButton({ invite }: { readonly invite: Invite | null }) {
  const { sso } = useStores();
  const provider = useStore(sso, (state) => state.provider);
  const pending = useStore(sso, (state) => state.pending);
  const error = useStore(sso, (state) => state.error);

  useEffect(() => {
    void sso.getState().lookup(invite);
  }, [sso, invite]);

  if (invite === null) return null;
  const start = () => void sso.getState().signIn(invite);
  return (
    <div className="sso-sign-in">
      {provider !== null ? (
        <button type="button" className="button button-primary button-wide" disabled={pending} onClick={start}>
          Sign in with {provider.providerName}
        </button>
      ) : (
        <button type="button" className="button button-wide" disabled={pending} onClick={start}>
          Use your organization’s sign-in
        </button>
      )}
      <p className="muted small" role="status">
        {pending ? 'Finish signing in in your browser, then come back here.' : ''}
      </p>
      {error && (
        <div role="alert" className="alert">
          {error.message}
        </div>
      )}
      <p className="sso-divider muted small">or with your whoot password</p>
    </div>
  );
}
