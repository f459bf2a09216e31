import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { classes } from './Button';
import { Icon, type IconName } from './Icon';

export interface IconButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'aria-label'> {
  /** The accessible name, also shown as the tooltip: an icon alone names nothing. */
  readonly label: string;
  readonly icon: IconName;
  /** A toggle (Mute, Deafen): the name stays, aria-pressed says the state. */
  readonly pressed?: boolean;
  readonly tone?: 'default' | 'danger' | 'active';
  readonly tooltip?: 'top' | 'bottom' | 'right' | 'left' | 'none';
  readonly size?: 'sm' | 'md' | 'lg';
}

/**
 * A button that shows only an icon. Its name is `label` (aria-label), and the same words appear as a tooltip on
 * hover and on keyboard focus, so sighted mouse and keyboard users get what a screen reader says.
 */
export const IconButton = forwardRef<HTMLButtonElement, IconButtonProps>(function IconButton(
  { label, icon, pressed, tone = 'default', tooltip = 'top', size = 'md', className, ...rest },
  ref,
) {
  return (
    <button
      ref={ref}
      type="button"
      aria-label={label}
      aria-pressed={pressed}
      className={classes('icon-button', `icon-button-${size}`, `icon-button-${tone}`, className)}
      {...rest}
    >
      <Icon name={icon} size={size === 'sm' ? 16 : size === 'lg' ? 24 : 20} />
      {tooltip !== 'none' && (
        <span className={`tooltip tooltip-${tooltip}`} aria-hidden="true">
          {label}
        </span>
      )}
    </button>
  );
});
