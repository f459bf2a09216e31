import { useCallback, useRef, useState, type ReactNode, type RefObject } from 'react';
import { ConfirmDialog, type ConfirmDialogProps } from './ConfirmDialog';

/** One question: what ConfirmDialog shows, and what Confirm does. */
export type ConfirmRequest = Pick<ConfirmDialogProps, 'title' | 'consequence' | 'confirmLabel' | 'tone' | 'onConfirm'>;

/**
 * Asks before a destructive action from a list (delete channel, remove member, revoke a token): `ask` opens one
 * ConfirmDialog for the request, `dialog` is what to render. Focus goes back to the button that asked, or, when the
 * answer removed that button's row, to `fallback` (the list itself), never to the page's <body>.
 */
export function useConfirm(fallback?: RefObject<HTMLElement | null>): {
  readonly ask: (request: ConfirmRequest) => void;
  readonly dialog: ReactNode;
} {
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  const opener = useRef<Element | null>(null);
  const returnTo = useRef<HTMLElement | null>(null);

  const ask = useCallback((next: ConfirmRequest) => {
    opener.current = document.activeElement;
    setRequest(next);
  }, []);

  const close = () => {
    // Read by the dialog as it closes: the opener if the answer left it in the page, else the list.
    const element = opener.current;
    returnTo.current = element instanceof HTMLElement && element.isConnected ? element : (fallback?.current ?? null);
    setRequest(null);
  };

  const dialog =
    request === null ? null : (
      <ConfirmDialog
        open
        title={request.title}
        consequence={request.consequence}
        confirmLabel={request.confirmLabel}
        {...(request.tone === undefined ? {} : { tone: request.tone })}
        returnFocus={returnTo}
        onConfirm={async () => {
          await request.onConfirm();
          close();
        }}
        onCancel={close}
      />
    );
  return { ask, dialog };
}
