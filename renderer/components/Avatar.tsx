import { classes } from './Button';

/**
 * A member's initial in a circle, coloured from their id so two people side by side differ. Decorative: the name is
 * always next to it. `speaking` draws the green ring Discord users know.
 */
export function Avatar({
  name,
  id,
  size = 'md',
  speaking = false,
}: {
  name: string;
  id: string;
  size?: 'sm' | 'md' | 'lg' | 'xl';
  speaking?: boolean;
}) {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return (
    <span
      className={classes('avatar', `avatar-${size}`, `avatar-hue-${hash % 6}`, speaking && 'avatar-speaking')}
      aria-hidden="true"
    >
      {(name.trim().charAt(0) || '?').toUpperCase()}
    </span>
  );
}
