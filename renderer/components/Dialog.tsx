import { useEffect, useId, useLayoutEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { focusableIn, focusIfConnected } from './focusable';
import { IconButton } from './IconButton';

export interface DialogProps {
  readonly open: boolean;
  /** Escape, the close button, or the caller's own buttons. */
  readonly onClose: () => void;
  /** The dialog's name (aria-labelledby): a heading inside it. */
  readonly title: ReactNode;
  /** Read with the name (aria-describedby). */
  readonly description?: ReactNode;
  readonly children?: ReactNode;
  /** Where focus goes when it opens; the first control otherwise. */
  readonly initialFocus?: RefObject<HTMLElement | null>;
  /** Where focus goes when it closes; the element focused when it opened otherwise. */
  readonly returnFocus?: RefObject<HTMLElement | null>;
  readonly size?: 'sm' | 'md' | 'lg';
  readonly footer?: ReactNode;
}

/**
 * A modal dialog on the native <dialog> (showModal): the rest of the page is inert and under a backdrop, Escape
 * closes, Tab and Shift+Tab cycle inside it (the browser alone would let focus leave to its own UI), and focus goes
 * back to whatever opened it.
 */
export function Dialog(props: DialogProps) {
  if (!props.open) return null;
  return <OpenDialog {...props} />;
}

function OpenDialog({
  onClose,
  title,
  description,
  children,
  initialFocus,
  returnFocus,
  size = 'md',
  footer,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);

  // A layout effect: its cleanup runs in the commit that removes the dialog, before the removal. A passive effect's
  // would run a task later, after the focused button had left the page, and focus would sit on <body> meanwhile.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement;
    const returnTo = returnFocus;
    if (!dialog.open) dialog.showModal();
    const first = initialFocus?.current ?? focusableIn(dialog)[0] ?? dialog;
    first.focus();
    const onCancel = (event: Event) => {
      // Escape: the app decides (it may be busy); the browser would close the element behind React's back.
      event.preventDefault();
      close.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      // Read at close: the caller may point it at an element that exists only by then.
      if (!focusIfConnected(returnTo?.current ?? null)) focusIfConnected(opener);
    };
    // Opening is one event; the refs are read at that moment on purpose.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function trapTab(event: KeyboardEvent<HTMLDialogElement>): void {
    if (event.key !== 'Tab' || ref.current === null) return;
    const items = focusableIn(ref.current);
    const first = items[0];
    const last = items.at(-1);
    if (first === undefined || last === undefined) return event.preventDefault();
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !ref.current.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !ref.current.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      aria-describedby={description === undefined ? undefined : descriptionId}
      onKeyDown={trapTab}
    >
      <header className="dialog-header">
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        <IconButton label="Close" icon="close" size="sm" tooltip="none" onClick={() => close.current()} />
      </header>
      {description !== undefined && (
        <div id={descriptionId} className="dialog-description">
          {description}
        </div>
      )}
      {children !== undefined && <div className="dialog-body">{children}</div>}
      {footer !== undefined && <footer className="dialog-footer">{footer}</footer>}
    </dialog>
  );
}
