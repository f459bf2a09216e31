import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { newPasswordProblem } from '../../shared/passwordStrength';
import { displayNameSchema } from '../../shared/rest/endpoints';
import { Button } from '../components/Button';
import { ScreenHeading } from '../components/ScreenHeading';
import { TextField } from '../components/TextField';
import { asSentence } from '../screens/signIn/signInForm';
import { useStores } from '../storesContext';
import { AuthenticatorDialog, DisableAuthenticatorDialog } from './AuthenticatorDialog';
import { PasswordField } from './PasswordField';
import { SessionList } from './SessionList';

function ProfileSection() {
  const { session, account, toasts } = useStores();
  const current = useStore(session, (state) => (state.session.signedIn ? state.session.user : null));
  const [name, setName] = useState(current?.displayName ?? '');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  if (current === null) return null;

  async function save(event: FormEvent) {
    event.preventDefault();
    const checked = displayNameSchema.safeParse(name);
    if (!checked.success) return setError(asSentence(checked.error.issues[0]?.message ?? 'Check the name.'));
    setBusy(true);
    const result = await account.getState().setDisplayName(checked.data);
    setBusy(false);
    if (!result.ok) return setError(result.error.message);
    setName(checked.data);
    toasts.getState().show({ message: `Your name is now ${checked.data}.` });
  }

  return (
    <section className="panel" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <p className="muted">
        Signed in as {current.email}. Your name is what the members of your workspaces see, in every workspace.
      </p>
      <form className="form form-inline" noValidate onSubmit={(event) => void save(event)}>
        <TextField
          label="Display name"
          autoComplete="nickname"
          value={name}
          maxLength={64}
          onChange={(event) => {
            setName(event.target.value);
            setError(undefined);
          }}
          error={error}
        />
        <Button type="submit" variant="primary" disabled={busy || name.trim() === current.displayName}>
          Save name
        </Button>
      </form>
    </section>
  );
}

function PasswordSection() {
  const { session, account, toasts } = useStores();
  const user = useStore(session, (state) => (state.session.signedIn ? state.session.user : null));
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [errors, setErrors] = useState<{ current?: string; next?: string }>({});
  const [busy, setBusy] = useState(false);
  const inputs = [user?.displayName ?? '', user?.email ?? ''];

  async function change(event: FormEvent) {
    event.preventDefault();
    const problems = {
      ...(current === '' ? { current: 'Enter your current password.' } : {}),
      ...(newPasswordProblem(next, inputs) === null ? {} : { next: newPasswordProblem(next, inputs) ?? '' }),
    };
    if (Object.keys(problems).length > 0) return setErrors(problems);
    setBusy(true);
    const result = await account.getState().changePassword(current, next);
    setBusy(false);
    // Neither password stays in the form once it has been sent.
    setCurrent('');
    setNext('');
    if (!result.ok) {
      setErrors(
        result.error.code === 'weak_password' ? { next: result.error.message } : { current: result.error.message },
      );
      return;
    }
    setErrors({});
    const others = result.value.signedOutSessions;
    toasts.getState().show({
      message:
        others === 0
          ? 'Password changed.'
          : `Password changed. ${others === 1 ? '1 other session was' : `${others} other sessions were`} signed out.`,
    });
  }

  return (
    <section className="panel" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <p className="muted">Changing it signs out every other device signed in to your account; this one stays.</p>
      <form className="form account-form" noValidate onSubmit={(event) => void change(event)}>
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => {
            setCurrent(event.target.value);
            setErrors((was) => ({ ...was, current: undefined }));
          }}
          error={errors.current}
        />
        <PasswordField
          label="New password"
          value={next}
          userInputs={inputs}
          onChange={(value) => {
            setNext(value);
            setErrors((was) => ({ ...was, next: undefined }));
          }}
          error={errors.next}
        />
        <div>
          <Button type="submit" variant="primary" disabled={busy}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}

function TwoStepSection() {
  const { account, toasts } = useStores();
  const enabled = useStore(account, (state) => state.account?.totpEnabled ?? null);
  const [dialog, setDialog] = useState<'enable' | 'disable' | null>(null);
  return (
    <section className="panel" aria-labelledby="two-step-heading">
      <h2 id="two-step-heading">Two-step sign-in</h2>
      <div className="setting-row">
        <p className="setting-text">
          {enabled === null
            ? 'Reading your account…'
            : enabled
              ? 'On: signing in needs your password and a code from your authenticator app (or a recovery code).'
              : 'Off: your password alone signs you in. An authenticator app adds a code only your phone has.'}
        </p>
        {enabled === false && (
          <Button
            variant="primary"
            onClick={() =>
              void account
                .getState()
                .beginTotp()
                .then((result) => {
                  if (result.ok) setDialog('enable');
                  else toasts.getState().show({ message: result.error.message, tone: 'error' });
                })
            }
          >
            Set up an authenticator
          </Button>
        )}
        {enabled === true && (
          <Button variant="danger" onClick={() => setDialog('disable')}>
            Turn off
          </Button>
        )}
      </div>
      <AuthenticatorDialog open={dialog === 'enable'} onDone={() => setDialog(null)} />
      <DisableAuthenticatorDialog open={dialog === 'disable'} onDone={() => setDialog(null)} />
    </section>
  );
}

/** The signed-in account's own settings: name, password, two-step sign-in, and the devices signed in to it. */
export function AccountScreen() {
  const { account } = useStores();
  const error = useStore(account, (state) => state.error);
  useEffect(() => {
    void account.getState().load();
  }, [account]);
  return (
    <section className="screen" aria-labelledby="account-heading">
      <header className="screen-header">
        <ScreenHeading id="account-heading">Account</ScreenHeading>
      </header>
      <div className="settings-body account-body">
        {error !== null && error.code === 'request_failed' && (
          <p role="alert" className="alert">
            {error.message}
          </p>
        )}
        <ProfileSection />
        <PasswordSection />
        <TwoStepSection />
        <section className="panel" aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Where you are signed in</h2>
          <SessionList />
        </section>
      </div>
    </section>
  );
}
