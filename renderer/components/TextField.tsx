import { useId, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'aria-invalid' | 'aria-describedby'>;

interface TextFieldProps extends InputProps {
  readonly label: string;
  readonly error?: string | undefined;
  /** Help or live feedback under the input; announced politely when it changes. */
  readonly hint?: ReactNode;
  readonly hintTone?: 'neutral' | 'good' | 'bad';
  readonly inputRef?: Ref<HTMLInputElement>;
}

/** A labelled input whose error and hint are tied to it by aria-describedby, so they are read with the field. */
export function TextField({ label, error, hint, hintTone = 'neutral', inputRef, ...input }: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint !== undefined ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        {...input}
        ref={inputRef}
        id={id}
        className="field-input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {hint !== undefined && (
        <p id={hintId} className={`field-hint field-hint-${hintTone}`} aria-live="polite">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
