import { useRef, useState, type ReactNode, type RefObject } from 'react';
import { Button } from './Button';
import { Dialog } from './Dialog';

export interface ConfirmDialogProps {
  readonly open: boolean;
  /** What is asked about, by kind and name: `Delete channel “general”?`, `Open this link?`. */
  readonly title: string;
  /** What follows, in words: who loses what, whether it can be undone, what leaves the app. */
  readonly consequence: ReactNode;
  /** Exact facts to check before answering (a host, a fingerprint), shown under the consequence. */
  readonly children?: ReactNode;
  /** The verb and the thing again ("Delete channel", "Join server"), never just "OK". */
  readonly confirmLabel: string;
  /** `danger` destroys something; `primary` lets something leave the app or trusts something new. */
  readonly tone?: 'danger' | 'primary';
  readonly onConfirm: () => unknown;
  readonly onCancel: () => void;
  /** Where focus goes when it closes, if not back to the opener (which a deletion may have removed). */
  readonly returnFocus?: RefObject<HTMLElement | null>;
}

/**
 * Asks before something is destroyed or leaves the app. Focus starts on Cancel, so a stray Enter keeps things as
 * they are; the other button says what it does. While the action runs both buttons wait (and keep focus), and the
 * dialog closes once it is done. It holds no logic: the caller decides what is asked and what each answer does.
 */
export function ConfirmDialog({
  open,
  title,
  consequence,
  children,
  confirmLabel,
  tone = 'danger',
  onConfirm,
  onCancel,
  returnFocus,
}: ConfirmDialogProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);

  async function confirm(): Promise<void> {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      size="sm"
      title={title}
      description={consequence}
      initialFocus={cancel}
      {...(returnFocus === undefined ? {} : { returnFocus })}
      onClose={() => {
        if (!busy) onCancel();
      }}
      footer={
        <>
          <Button ref={cancel} busy={busy} onClick={onCancel}>
            Cancel
          </Button>
          <Button variant={tone} busy={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
