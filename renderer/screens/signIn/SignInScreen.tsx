import { useMemo, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useStore } from 'zustand';
import { hostAndPort } from '../../../shared/identifiers';
import { ScreenHeading } from '../../components/ScreenHeading';
import { TextField } from '../../components/TextField';
import { SsoSignInButton } from './SsoSignInButton';
import { useStores } from '../../storesContext';
import {
  asSentence,
  describeInvite,
  signInFieldOrder,
  validateSignInForm,
  type FieldErrors,
  type SignInField,
} from './signInForm';

export function SignInScreen() {
  const { session, invite } = useStores();
  const inviteLink = useStore(invite, (state) => state.link);
  const pending = useStore(session, (state) => state.signInPending);
  const signInError = useStore(session, (state) => state.signInError);

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});

  const inviteRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const totpRef = useRef<HTMLInputElement>(null);
  const focusField = (field: SignInField) => {
    const refs: Record<SignInField, RefObject<HTMLInputElement | null>> = {
      inviteLink: inviteRef,
      email: emailRef,
      password: passwordRef,
      totp: totpRef,
    };
    refs[field].current?.focus();
  };

  const preview = useMemo(() => describeInvite(inviteLink), [inviteLink]);
  // A live preview beats a submit-time error for the invite: it is pasted, so it is right or wrong all at once.
  const inviteHint =
    preview === null
      ? errors.inviteLink
        ? undefined
        : 'Paste the whoot://join link from your invitation.'
      : preview.ok
        ? `Joins the server at ${hostAndPort(preview.value)}`
        : asSentence(preview.error.message);
  const inviteError = preview === null ? errors.inviteLink : undefined;

  const clearError = (field: SignInField) => setErrors((current) => ({ ...current, [field]: undefined }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const checked = validateSignInForm({ inviteLink, email, password, totp });
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
        <SsoSignInButton invite={preview?.ok ? preview.value : null} />
        <form className="form" noValidate onSubmit={(event) => void submit(event)} aria-busy={pending}>
          <TextField
            label="Invite link"
            inputRef={inviteRef}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="whoot://join?host=…"
            value={inviteLink}
            onChange={(event) => invite.getState().setLink(event.target.value)}
            hint={inviteHint}
            hintTone={preview === null ? 'neutral' : preview.ok ? 'good' : 'bad'}
            error={inviteError}
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
          <TextField
            label="Authenticator code (optional)"
            inputRef={totpRef}
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={totp}
            onChange={(event) => {
              setTotp(event.target.value);
              clearError('totp');
            }}
            hint="Only if your account uses an authenticator app: the 6-digit code it shows now."
            error={errors.totp}
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
      </div>
    </section>
  );
}
