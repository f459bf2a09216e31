import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { Button } from './Button';
import { Icon } from './Icon';

/**
 * Puts text on the page's clipboard: the async API where the page may use it, else a selection copied while the
 * click's user activation lasts (the Electron app's permission policy grants no clipboard permission, and
 * execCommand needs none).
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

/**
 * "Copy" for a secret shown once or an address to hand on: "Copied" shows beside it for a moment, and the copy store
 * announces it to screen readers (stores/copyStore.ts). Its name stays "Copy {what}", so it can be found again.
 */
export function CopyButton({
  text,
  label = 'Copy',
  what,
  variant = 'secondary',
}: {
  readonly text: string;
  readonly label?: string;
  /** What is copied, in words ("invite link"): the button's name and the announcement use it. */
  readonly what: string;
  readonly variant?: 'primary' | 'secondary';
}) {
  const { copy } = useStores();
  const copied = useStore(copy, (state) => state.copied === what);
  const failed = useStore(copy, (state) => state.failed === what);
  // The button's own words stay "Copy" so its visible text is always part of its name ("Copy invite link"); the
  // confirmation shows beside it (and the copy store announces it), not in place of the words.
  return (
    <span className="copy-control">
      <Button
        size="sm"
        variant={variant}
        className="copy-button"
        aria-label={`${label} ${what}`}
        onClick={() => void copy.getState().copy(what, text)}
      >
        <Icon name={copied ? 'check' : 'copy'} size={16} />
        <span aria-hidden="true">{label}</span>
      </Button>
      {(copied || failed) && (
        <span className={failed ? 'copy-confirm copy-confirm-failed' : 'copy-confirm'} aria-hidden="true">
          {copied ? 'Copied' : 'Copy by hand'}
        </span>
      )}
    </span>
  );
}
