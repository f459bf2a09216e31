import { useMemo, type Ref } from 'react';
import { estimatePasswordStrength } from '../../shared/passwordStrength';
import { TextField } from '../components/TextField';

/**
 * A new password with live strength feedback: a four-step bar (drawn for the eye only) and a sentence for
 * everyone: the estimate's verdict, what gives the password away, and what would make it better. The estimate is the
 * one the server enforces (shared/passwordStrength.ts), so "Very weak" here is also a refusal there.
 */
export function PasswordField(props: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** What an attacker would know about the owner (name, email): counted as guessed. */
  readonly userInputs: readonly string[];
  readonly error?: string | undefined;
  readonly inputRef?: Ref<HTMLInputElement>;
}) {
  const strength = useMemo(
    () => (props.value === '' ? null : estimatePasswordStrength(props.value, props.userInputs)),
    [props.value, props.userInputs],
  );
  const hint =
    strength === null ? (
      'At least 8 characters. A few unrelated words are easy to remember and hard to guess.'
    ) : (
      <span className="strength">
        <span className={`strength-bar strength-${strength.score}`} aria-hidden="true">
          {[1, 2, 3, 4].map((step) => (
            <span
              key={step}
              className={step <= Math.max(strength.score, 1) ? 'strength-step strength-step-on' : 'strength-step'}
            />
          ))}
        </span>
        <span className="strength-text">
          <strong>Strength: {strength.label}.</strong>{' '}
          {[strength.warning, ...strength.suggestions].filter((line) => line !== null).join(' ')}
        </span>
      </span>
    );
  // The server's or the form's refusal is often the estimate's own warning, already in the hint: say it once.
  const repeated = props.error !== undefined && strength !== null && strength.warning === props.error;
  return (
    <TextField
      label={props.label}
      type="password"
      autoComplete="new-password"
      inputRef={props.inputRef}
      value={props.value}
      onChange={(event) => props.onChange(event.target.value)}
      hint={hint}
      hintTone={strength === null ? 'neutral' : strength.score <= 1 ? 'bad' : strength.score === 2 ? 'neutral' : 'good'}
      error={repeated ? 'Too easy to guess: choose a stronger password.' : props.error}
    />
  );
}
