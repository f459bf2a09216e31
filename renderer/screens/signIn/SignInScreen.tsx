import { useMemo, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useStore } from 'zustand';
import { Button } from '../../components/Button';
import { ScreenHeading } from '../../components/ScreenHeading';
import { SecondFactorScreen } from './SecondFactorScreen';
import { SetUpServerScreen } from './SetUpServerScreen';
import { SignUpScreen } from './SignUpScreen';
import { TextField } from '../../components/TextField';
import { InviteLinkField } from './InviteLinkField';
import { SsoSignInButton } from './SsoSignInButton';
import { useStores } from '../../storesContext';
import { describeInvite, signInFieldOrder, validateSignInForm, type FieldErrors, type SignInField } from './signInForm';

/** Signed out: the form for the way in the person chose (or the invite they opened led to). */
export function SignedOutScreen() {
  const { session, onboarding, host } = useStores();
  const mode = useStore(onboarding, (state) => state.signedOutMode);
  const secondFactor = useStore(session, (state) => state.secondFactorNeeded);
  const hosting = useStore(host, (state) => state.status.state);
  if (hosting === 'needsSetup') return <SetUpServerScreen />;
  if (secondFactor) return <SecondFactorScreen />;
  return mode === 'signUp' ? <SignUpScreen /> : <SignInScreen />;
}

export function SignInScreen() {
  const { session, invite, onboarding } = useStores();
  const inviteLink = useStore(invite, (state) => state.link);
  const preview = useMemo(() => describeInvite(inviteLink), [inviteLink]);
  const pending = useStore(session, (state) => state.signInPending);
  const signInError = useStore(session, (state) => state.signInError);
  const endedOnServer = useStore(session, (state) => !state.session.signedIn && state.session.sessionEnded === true);

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});

  const inviteRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const focusField = (field: SignInField) => {
    const refs: Record<SignInField, RefObject<HTMLInputElement | null>> = {
      inviteLink: inviteRef,
      email: emailRef,
      password: passwordRef,
      totp: passwordRef,
    };
    refs[field].current?.focus();
  };

  const clearError = (field: SignInField) => setErrors((current) => ({ ...current, [field]: undefined }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const checked = validateSignInForm({ inviteLink, email, password, totp: '' });
    // The password is gone from UI state the moment it is used, whether the attempt goes on to succeed or not.
    setPassword('');
    if (!checked.ok) {
      setErrors(checked.errors);
      const first = signInFieldOrder.find((field) => checked.errors[field] !== undefined);
      if (first) focusField(first);
      return;
    }
    setErrors({});
    const signedIn = await session.getState().signIn(checked.request);
    // The button was disabled under the user's focus; put them where they need to type next.
    if (!signedIn) focusField('password');
  }

  return (
    <section className="screen screen-centered" aria-labelledby="sign-in-heading">
      <div className="card">
        <ScreenHeading id="sign-in-heading">Sign in to whoot</ScreenHeading>
        <p className="muted">Use the invite link your team sent you and your whoot account.</p>
        {endedOnServer && (
          <p className="server-rule" role="status">
            You were signed out: your session ended on the server, because your password was changed or this device was
            signed out from another one.
          </p>
        )}
        <SsoSignInButton invite={preview?.ok ? preview.value : null} />
        <form className="form" noValidate onSubmit={(event) => void submit(event)} aria-busy={pending}>
          <InviteLinkField
            inputRef={inviteRef}
            value={inviteLink}
            onChange={(link) => invite.getState().setLink(link)}
            names={(server) => `Joins the server at ${server}`}
            emptyHint="Paste the whoot://join link from your invitation."
            error={errors.inviteLink}
          />
          <TextField
            label="Email"
            inputRef={emailRef}
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => {
              setEmail(event.target.value);
              clearError('email');
            }}
            error={errors.email}
          />
          <TextField
            label="Password"
            inputRef={passwordRef}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
              clearError('password');
            }}
            error={errors.password}
          />
          <div role="alert" className="alert">
            {signInError?.message}
          </div>
          <button type="submit" className="button button-primary button-wide" disabled={pending}>
            Sign in
          </button>
          <p className="form-status muted small" role="status">
            {pending ? 'Signing in…' : ''}
          </p>
        </form>
        <p className="card-divider">New to this server?</p>
        <Button
          className="button-wide"
          onClick={() => {
            session.getState().clearSignInError();
            onboarding.getState().setSignedOutMode('signUp');
          }}
        >
          Create your account
        </Button>
      </div>
    </section>
  );
}
