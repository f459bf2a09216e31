import { useStore } from 'zustand';
import { classes } from '../components/Button';
import { useStores } from '../storesContext';

/**
 * The one place the app says whether it is connected to the server: connected, connecting, reconnecting with the
 * attempt count, or offline. Everything else (the call, the channel list) shows its last known state greyed
 * rather than a second, possibly contradicting, status.
 */
export function ConnectionStatus() {
  const { realtime } = useStores();
  const state = useStore(realtime.store, (current) => current.state);
  const attempt = useStore(realtime.store, (current) => current.attempt);
  const workspaceId = useStore(realtime.store, (current) => current.workspaceId);
  if (workspaceId === null) return null;
  const [tone, text] =
    state === 'open'
      ? (['good', 'Connected'] as const)
      : state === 'connecting'
        ? (['warn', 'Connecting…'] as const)
        : state === 'reconnecting'
          ? (['warn', `Reconnecting… (attempt ${Math.max(1, attempt)})`] as const)
          : (['bad', 'Offline'] as const);
  return (
    <p className={classes('connection-status', `connection-${tone}`)} role="status" aria-label="Connection">
      <span className="connection-dot" aria-hidden="true" />
      {text}
    </p>
  );
}
