import { useRef, useState, type ReactNode } from 'react';
import { Button } from './Button';
import { Dialog } from './Dialog';

export interface ConfirmDialogProps {
  readonly open: boolean;
  /** What is destroyed, by kind and name: `Delete channel “general”?`. */
  readonly title: string;
  /** What follows, in words: who loses what, whether it can be undone. */
  readonly consequence: ReactNode;
  /** The verb and the thing again ("Delete channel"), never just "OK". */
  readonly confirmLabel: string;
  readonly onConfirm: () => unknown;
  readonly onCancel: () => void;
}

/**
 * Asks before something is destroyed. Focus starts on Cancel, so a stray Enter keeps the thing; the destructive
 * button says what it destroys. While the action runs both buttons wait, and the dialog closes once it is done.
 */
export function ConfirmDialog({ open, title, consequence, confirmLabel, onConfirm, onCancel }: ConfirmDialogProps) {
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
      onClose={() => {
        if (!busy) onCancel();
      }}
      footer={
        <>
          <Button ref={cancel} disabled={busy} onClick={onCancel}>
            Cancel
          </Button>
          <Button variant="danger" disabled={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </>
      }
    />
  );
}
