import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { Button } from './Button';
import { IconButton } from './IconButton';

/**
 * The toasts, bottom right: a polite live region (role="status"), so a screen reader reads each new one without
 * losing its place. Hovering or focusing a toast stops its clock (WCAG 2.2.1), leaving it starts again.
 */
export function ToastRegion() {
  const { toasts } = useStores();
  const list = useStore(toasts, (state) => state.toasts);
  const { pause, resume, dismiss, act } = toasts.getState();
  return (
    <div className="toast-region" role="status" aria-live="polite" aria-label="Notifications">
      {list.map((toast) => (
        <div
          key={toast.id}
          className={`toast toast-${toast.tone}`}
          onMouseEnter={() => pause(toast.id)}
          onMouseLeave={() => resume(toast.id)}
          onFocus={() => pause(toast.id)}
          onBlur={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) resume(toast.id);
          }}
        >
          <p className="toast-message">{toast.message}</p>
          {toast.action !== null && (
            <Button size="sm" variant="ghost" className="toast-action" onClick={() => act(toast.id)}>
              {toast.action.label}
            </Button>
          )}
          <IconButton label="Dismiss" icon="close" size="sm" tooltip="none" onClick={() => dismiss(toast.id)} />
        </div>
      ))}
    </div>
  );
}
