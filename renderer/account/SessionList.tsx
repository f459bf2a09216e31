import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { SessionSummary } from '../../shared/admin';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Icon } from '../components/Icon';
import { useStores } from '../storesContext';
import { when } from '../admin/format';

const deviceName = (session: SessionSummary) => session.device ?? 'An unnamed device';

/**
 * The signed-in user's sessions on this server, one per device that signed in and has not signed out: what it
 * called itself, where from (the address the server saw, as it saw it), when it was last active, this one marked.
 * Revoke asks first, naming the device. The account screen and the admin console's Sessions tab both show this.
 */
export function SessionList() {
  const { account, toasts } = useStores();
  const sessions = useStore(account, (state) => state.sessions);
  const [asking, setAsking] = useState<SessionSummary | null>(null);
  useEffect(() => {
    void account.getState().loadSessions();
  }, [account]);
  // This device first, then the most recently active.
  const ordered = [...sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt);

  return (
    <>
      <ul className="session-list" aria-label="Your sessions">
        {ordered.map((session) => (
          <li
            key={session.id}
            className="session-row"
            aria-label={`${deviceName(session)}${session.current ? ', this device' : ''}`}
          >
            <Icon name="device" className="session-icon" />
            <div className="session-text">
              <span className="session-device">
                {deviceName(session)}
                {session.current && <span className="badge">This device</span>}
              </span>
              <span className="session-meta">
                <span title="The address the server saw at sign-in or the latest refresh">
                  From {session.address ?? 'an unknown address'}
                </span>
                <span>Last active {when(session.lastSeenAt)}</span>
                <span>Signed in {when(session.createdAt)}</span>
              </span>
            </div>
            {!session.current && (
              <Button
                size="sm"
                variant="danger"
                aria-label={`Revoke ${deviceName(session)}, last active ${when(session.lastSeenAt)}`}
                onClick={() => setAsking(session)}
              >
                Revoke
              </Button>
            )}
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={asking !== null}
        title={`Revoke ${asking === null ? '' : deviceName(asking)}?`}
        consequence={`${asking === null ? '' : deviceName(asking)} is signed out at once, from ${asking?.address ?? 'an unknown address'}, and has to sign in again with your password.`}
        confirmLabel="Revoke session"
        onCancel={() => setAsking(null)}
        onConfirm={async () => {
          if (asking === null) return;
          const result = await account.getState().revokeSession(asking.id);
          setAsking(null);
          toasts
            .getState()
            .show(
              result.ok
                ? { message: `${deviceName(asking)} is signed out.` }
                : { message: result.error.message, tone: 'error' },
            );
        }}
      />
    </>
  );
}
