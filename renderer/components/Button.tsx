import { forwardRef, type ButtonHTMLAttributes } from 'react';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';
export type ButtonSize = 'sm' | 'md';

export interface ButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> {
  readonly variant?: ButtonVariant;
  readonly size?: ButtonSize;
  /** Submit buttons are explicit: a button inside a form does nothing unless asked to. */
  readonly type?: 'button' | 'submit';
  /**
   * Its action is running: the button looks and reads as unavailable and ignores clicks, but keeps focus. `disabled`
   * would make Chromium move focus off it, to <body>, where a screen reader announces the whole page.
   */
  readonly busy?: boolean;
}

/** Join class names, skipping the empty ones. */
export const classes = (...names: (string | false | null | undefined)[]): string => names.filter(Boolean).join(' ');

/** A text button in one of the design's variants; every variant's colours meet AA (renderer/design/contrast.test.ts). */
export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { variant = 'secondary', size = 'md', type = 'button', className, busy = false, onClick, ...rest },
  ref,
) {
  return (
    <button
      ref={ref}
      type={type}
      className={classes('button', `button-${variant}`, size === 'sm' && 'button-small', className)}
      {...rest}
      {...(busy ? { 'aria-disabled': true } : {})}
      onClick={(event) => {
        // Also keeps a busy submit button from submitting its form again.
        if (busy) return event.preventDefault();
        onClick?.(event);
      }}
    />
  );
});
