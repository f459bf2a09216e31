import { useRef, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { recoveryCodeSchema } from '../../../shared/rest/endpoints';
import { AUTHENTICATOR_CODE_PROBLEM, authenticatorDigits } from '../../account/authenticatorCode';
import { Button } from '../../components/Button';
import { ScreenHeading } from '../../components/ScreenHeading';
import { TextField } from '../../components/TextField';
import { useStores } from '../../storesContext';

/**
 * The second step of signing in to an account with an authenticator: the 6-digit code from the app, or one of the
 * recovery codes instead. Main kept the first step (email and password), so the page never holds the password here.
 */
export function SecondFactorScreen() {
  const { session } = useStores();
  const pending = useStore(session, (state) => state.signInPending);
  const signInError = useStore(session, (state) => state.signInError);
  const [kind, setKind] = useState<'totp' | 'recovery'>('totp');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const codeRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) return;
    const typed = code.trim();
    let factor: { totp: string } | { recoveryCode: string };
    if (kind === 'totp') {
      const digits = authenticatorDigits(typed);
      if (digits === null) {
        setError(AUTHENTICATOR_CODE_PROBLEM);
        codeRef.current?.focus();
        return;
      }
      factor = { totp: digits };
    } else {
      if (!recoveryCodeSchema.safeParse(typed).success) {
        setError('A recovery code looks like abcde-fghij.');
        codeRef.current?.focus();
        return;
      }
      factor = { recoveryCode: typed };
    }
    setError(undefined);
    setCode('');
    if (!(await session.getState().completeSignIn(factor))) codeRef.current?.focus();
  }

  const switchKind = () => {
    setKind(kind === 'totp' ? 'recovery' : 'totp');
    setCode('');
    setError(undefined);
    session.getState().clearSignInError();
    codeRef.current?.focus();
  };
  // mfa_required is why this step shows, not an error to repeat here.
  const shownError = signInError?.code === 'mfa_required' ? null : signInError;

  return (
    <section className="screen screen-centered" aria-labelledby="second-factor-heading">
      <div className="card">
        <ScreenHeading id="second-factor-heading">Two-step sign-in</ScreenHeading>
        <p className="muted">
          {kind === 'totp'
            ? 'Your password was right. Enter the 6-digit code your authenticator app shows for whoot.'
            : 'Enter one of the recovery codes you saved when you set up the app. Each works once.'}
        </p>
        <form className="form" noValidate onSubmit={(event) => void submit(event)} aria-busy={pending}>
          <TextField
            key={kind}
            label={kind === 'totp' ? 'Authenticator code' : 'Recovery code'}
            inputRef={codeRef}
            autoFocus
            inputMode={kind === 'totp' ? 'numeric' : 'text'}
            autoComplete="one-time-code"
            spellCheck={false}
            value={code}
            onChange={(event) => {
              setCode(event.target.value);
              setError(undefined);
            }}
            error={error}
          />
          <div role="alert" className="alert">
            {shownError?.message}
          </div>
          <Button type="submit" variant="primary" className="button-wide" disabled={pending}>
            Verify
          </Button>
          <p className="form-status muted small" role="status">
            {pending ? 'Checking the code…' : ''}
          </p>
        </form>
        <div className="card-links">
          <Button variant="ghost" size="sm" onClick={switchKind}>
            {kind === 'totp' ? 'Use a recovery code instead' : 'Use your authenticator app instead'}
          </Button>
          <Button variant="ghost" size="sm" onClick={() => session.getState().cancelSecondFactor()}>
            Back
          </Button>
        </div>
      </div>
    </section>
  );
}
