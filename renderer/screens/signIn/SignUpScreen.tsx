import { useEffect, useMemo, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useStore } from 'zustand';
import type { ServerInfo } from '../../../shared/rest/endpoints';
import { PasswordField } from '../../account/PasswordField';
import { Button } from '../../components/Button';
import { ScreenHeading } from '../../components/ScreenHeading';
import { TextField } from '../../components/TextField';
import { InviteLinkField } from './InviteLinkField';
import { useStores } from '../../storesContext';
import { describeInvite, signUpFieldOrder, validateSignUpForm, type SignUpField } from './signInForm';

/** What the server says about new accounts, in words; null while unknown. */
function ruleText(info: ServerInfo): string {
  const accounts =
    info.registration === 'open'
      ? 'This server is open: anyone who can reach it may create an account, and your invite adds you to its workspace.'
      : 'This server takes new accounts by invite only: your invite lets you in.';
  const workspaces =
    info.workspaceCreation === 'anyone'
      ? ' Members may create workspaces of their own.'
      : ' Only its owner creates workspaces.';
  return accounts + workspaces;
}

/**
 * "Create your account" from an invite: name, email and a password with strength feedback, checked as main and the
 * server check them. What the server allows is the server's: once the user has confirmed the server (a link opened
 * from outside asks first), the app reads its rules and shows them; before that it sends nothing.
 */
export function SignUpScreen() {
  const { session, invite, onboarding } = useStores();
  const serverInfo = useStore(onboarding, (state) => state.serverInfo);
  const inviteLink = useStore(invite, (state) => state.link);
  const pending = useStore(session, (state) => state.signInPending);
  const signInError = useStore(session, (state) => state.signInError);
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Partial<Record<SignUpField, string>>>({});
  const inviteRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const focusField = (field: SignUpField) => {
    const refs: Record<SignUpField, RefObject<HTMLInputElement | null>> = {
      inviteLink: inviteRef,
      displayName: nameRef,
      email: emailRef,
      password: passwordRef,
    };
    refs[field].current?.focus();
  };
  const preview = useMemo(() => describeInvite(inviteLink), [inviteLink]);
  const server = preview?.ok ? preview.value : null;

  // The rules of a server already joined or confirmed; a new one is asked about on submit, before anything is sent.
  const host = server?.host ?? null;
  const port = server?.port ?? null;
  const spkiPin = server?.spkiPin ?? null;
  useEffect(() => {
    void onboarding
      .getState()
      .readServerInfo(host === null || port === null || spkiPin === null ? null : { host, port, spkiPin });
  }, [onboarding, host, port, spkiPin]);
  const rule =
    serverInfo !== null && serverInfo.server.host === host && serverInfo.server.port === port
      ? ruleText(serverInfo.info)
      : null;

  const userInputs = useMemo(() => [displayName, email], [displayName, email]);
  const clear = (field: SignUpField) => setErrors((was) => ({ ...was, [field]: undefined }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    const checked = validateSignUpForm({ inviteLink, displayName, email, password });
    if (!checked.ok) {
      setErrors(checked.errors);
      const first = signUpFieldOrder.find((field) => checked.errors[field] !== undefined);
      if (first) focusField(first);
      return;
    }
    setErrors({});
    const created = await session.getState().signUp(checked.request);
    // Kept only while the attempt runs: a refused sign-up starts the password again.
    setPassword('');
    if (!created) focusField('password');
  }

  return (
    <section className="screen screen-centered" aria-labelledby="sign-up-heading">
      <div className="card">
        <ScreenHeading id="sign-up-heading">Create your account</ScreenHeading>
        <p className="muted">Your invite brings you to your team’s workspace. Next, you can add an authenticator.</p>
        <form className="form" noValidate onSubmit={(event) => void submit(event)} aria-busy={pending}>
          <InviteLinkField
            inputRef={inviteRef}
            value={inviteLink}
            onChange={(link) => {
              invite.getState().setLink(link);
              clear('inviteLink');
            }}
            names={(address) => `Creates your account on the server at ${address}`}
            emptyHint="Paste the whoot://join link from your invitation."
            error={errors.inviteLink}
          />
          {server !== null && (
            <p className="server-rule" aria-live="polite">
              {rule ?? 'whoot asks you to confirm this server before it sends anything there.'}
            </p>
          )}
          <TextField
            label="Your name"
            inputRef={nameRef}
            autoComplete="name"
            maxLength={64}
            value={displayName}
            onChange={(event) => {
              setDisplayName(event.target.value);
              clear('displayName');
            }}
            hint="What your teammates see. You can change it later."
            error={errors.displayName}
          />
          <TextField
            label="Email"
            inputRef={emailRef}
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => {
              setEmail(event.target.value);
              clear('email');
            }}
            error={errors.email}
          />
          <PasswordField
            label="Password"
            inputRef={passwordRef}
            value={password}
            userInputs={userInputs}
            onChange={(value) => {
              setPassword(value);
              clear('password');
            }}
            error={errors.password}
          />
          <div role="alert" className="alert">
            {signInError?.message}
          </div>
          <Button type="submit" variant="primary" className="button-wide" disabled={pending}>
            Create account
          </Button>
          <p className="form-status muted small" role="status">
            {pending ? 'Creating your account…' : ''}
          </p>
        </form>
        <p className="card-divider">Already have an account?</p>
        <Button
          className="button-wide"
          onClick={() => {
            session.getState().clearSignInError();
            onboarding.getState().setSignedOutMode('signIn');
          }}
        >
          I already have an account
        </Button>
      </div>
    </section>
  );
}
