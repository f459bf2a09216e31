import { useState } from 'react';
import { useStore } from 'zustand';
import { Button } from '../components/Button';
import { Dialog } from '../components/Dialog';
import { useStores } from '../storesContext';
import { AuthenticatorDialog } from './AuthenticatorDialog';

/**
 * Right after an account is created in the app: a welcome that offers an authenticator app once. Skipping is fine
 * (the account screen offers it any time); either way the welcome does not come back.
 */
export function WelcomeDialog() {
  const { session, account, toasts } = useStores();
  const welcome = useStore(session, (state) =>
    state.session.signedIn && state.session.newAccount === true ? state.session.user : null,
  );
  const [enrolling, setEnrolling] = useState(false);
  const [busy, setBusy] = useState(false);
  if (welcome === null) return null;
  const finish = () => {
    setEnrolling(false);
    void session.getState().finishWelcome();
  };

  if (enrolling) return <AuthenticatorDialog open onDone={finish} />;
  return (
    <Dialog
      open
      size="sm"
      onClose={finish}
      title={`Welcome to whoot, ${welcome.displayName}`}
      description="Your account is ready. Add a second step to signing in: with an authenticator app on your phone, your password alone is not enough to get in."
      footer={
        <>
          <Button onClick={finish}>Skip for now</Button>
          <Button
            variant="primary"
            busy={busy}
            onClick={() => {
              setBusy(true);
              void account
                .getState()
                .beginTotp()
                .then((result) => {
                  setBusy(false);
                  if (result.ok) setEnrolling(true);
                  else toasts.getState().show({ message: result.error.message, tone: 'error' });
                });
            }}
          >
            Set up an authenticator
          </Button>
        </>
      }
    >
      <p className="muted small">You can also do this later under Account.</p>
    </Dialog>
  );
}
