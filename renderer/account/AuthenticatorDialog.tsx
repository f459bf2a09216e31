import { useRef, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { Button } from '../components/Button';
import { CopyButton } from '../components/CopyButton';
import { Dialog } from '../components/Dialog';
import { useStores } from '../storesContext';
import { AuthenticatorCodeField } from './AuthenticatorCodeField';
import { AUTHENTICATOR_CODE_PROBLEM, authenticatorDigits } from './authenticatorCode';
import { QrCode } from './QrCode';

/** The secret as people type it into an app: groups of four. */
const grouped = (secret: string) => (secret.match(/.{1,4}/g) ?? []).join(' ');

/**
 * Turning on an authenticator app, in two steps: scan the QR code (or type the secret shown beside it) and enter
 * the first code the app shows; then the ten recovery codes, shown this once, with Copy and Download. `onDone` runs
 * when the person closes it, whichever step they reached.
 */
export function AuthenticatorDialog({ open, onDone }: { open: boolean; onDone: () => void }) {
  const { account, toasts } = useStores();
  const totp = useStore(account, (state) => state.totp);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);

  const close = () => {
    account.getState().closeTotp();
    setCode('');
    setError(undefined);
    onDone();
  };

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const digits = authenticatorDigits(code);
    if (digits === null) {
      setError(AUTHENTICATOR_CODE_PROBLEM);
      codeRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await account.getState().confirmTotp(digits);
    setBusy(false);
    if (!result.ok) {
      setError(result.error.message);
      codeRef.current?.focus();
    }
  }

  async function download() {
    const result = await account.getState().saveRecoveryCodes();
    if (!result.ok) toasts.getState().show({ message: result.error.message, tone: 'error' });
    else if (result.value.saved) toasts.getState().show({ message: 'Recovery codes saved.' });
  }

  if (totp.step === 'codes') {
    const text = totp.recoveryCodes.join('\n');
    return (
      <Dialog
        open={open}
        onClose={close}
        title="Save your recovery codes"
        description="If you lose your phone, each of these codes signs you in once instead of a code from the app. They are shown only now: copy or download them and keep them somewhere safe."
        footer={
          <Button variant="primary" onClick={close}>
            I saved them
          </Button>
        }
      >
        <ol className="recovery-codes" aria-label="Recovery codes">
          {totp.recoveryCodes.map((recoveryCode) => (
            <li key={recoveryCode}>
              <code>{recoveryCode}</code>
            </li>
          ))}
        </ol>
        <div className="dialog-actions-row">
          <CopyButton text={text} what="recovery codes" />
          <Button size="sm" onClick={() => void download()}>
            Download
          </Button>
        </div>
      </Dialog>
    );
  }

  if (totp.step !== 'scan') return null;
  return (
    <Dialog
      open={open}
      onClose={close}
      size="md"
      title="Set up an authenticator app"
      description="Scan the code with an authenticator app (such as Aegis, Google Authenticator or 1Password), or type the key into it, then enter the 6-digit code it shows."
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="primary" type="submit" form="totp-confirm-form" busy={busy}>
            Turn on
          </Button>
        </>
      }
    >
      <div className="totp-setup">
        <QrCode text={totp.otpauthUri} label="QR code for your authenticator app" />
        <div className="totp-manual">
          <p className="field-label" id="totp-secret-label">
            Or type this key
          </p>
          <p className="totp-secret" aria-labelledby="totp-secret-label" data-secret={totp.secret}>
            {grouped(totp.secret)}
          </p>
          <CopyButton text={totp.secret} what="key" />
          <p className="muted small">Time-based, 6 digits, every 30 seconds.</p>
        </div>
      </div>
      <form id="totp-confirm-form" className="form" noValidate onSubmit={(event) => void confirm(event)}>
        <AuthenticatorCodeField
          inputRef={codeRef}
          value={code}
          onChange={(value) => {
            setCode(value);
            setError(undefined);
          }}
          error={error}
        />
      </form>
    </Dialog>
  );
}

/** Turning the authenticator off needs a current code from it: a session alone must not weaken the account. */
export function DisableAuthenticatorDialog({ open, onDone }: { open: boolean; onDone: () => void }) {
  const { account, toasts } = useStores();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setCode('');
    setError(undefined);
    onDone();
  };
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const digits = authenticatorDigits(code);
    if (digits === null) return setError(AUTHENTICATOR_CODE_PROBLEM);
    setBusy(true);
    const result = await account.getState().disableTotp(digits);
    setBusy(false);
    if (!result.ok) return setError(result.error.message);
    toasts.getState().show({ message: 'Two-step sign-in is off. Your recovery codes no longer work.' });
    close();
  }
  return (
    <Dialog
      open={open}
      onClose={close}
      size="sm"
      title="Turn off two-step sign-in?"
      description="Signing in will need only your password, and your recovery codes stop working. Enter a code from your authenticator app to confirm."
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="danger" type="submit" form="totp-disable-form" busy={busy}>
            Turn off
          </Button>
        </>
      }
    >
      <form id="totp-disable-form" className="form" noValidate onSubmit={(event) => void submit(event)}>
        <AuthenticatorCodeField
          value={code}
          onChange={(value) => {
            setCode(value);
            setError(undefined);
          }}
          error={error}
        />
      </form>
    </Dialog>
  );
}
