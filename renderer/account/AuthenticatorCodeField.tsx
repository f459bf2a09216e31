import type { Ref } from 'react';
import { TextField } from '../components/TextField';

/** The field for a code from an authenticator app: a number pad on touch screens, and the OS's one-time-code fill. */
export function AuthenticatorCodeField(props: {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error: string | undefined;
  readonly inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <TextField
      label="Code from the app"
      inputRef={props.inputRef}
      inputMode="numeric"
      autoComplete="one-time-code"
      spellCheck={false}
      value={props.value}
      onChange={(event) => props.onChange(event.target.value)}
      error={props.error}
    />
  );
}
