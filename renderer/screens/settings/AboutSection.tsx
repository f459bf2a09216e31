import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { UpdateCheck } from '../../../shared/updates';
import { Button } from '../../components/Button';
import { useStores } from '../../storesContext';
import { ManagedNote } from './managed';

const OUTCOMES: Record<UpdateCheck['outcome'], string> = {
  up_to_date: 'Up to date',
  available: 'Update available',
  downloaded: 'Update downloaded, installs when whoot quits',
  refused: 'Update refused',
  failed: 'Check failed',
  not_configured: 'Updates from your server are off',
};

const when = (at: number) => new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** About whoot: the version running, the update channel, and the last update check with its result. */
export function AboutSection() {
  const { updates } = useStores();
  const status = useStore(updates, (state) => state.status);
  const checking = useStore(updates, (state) => state.checking);
  const error = useStore(updates, (state) => state.error);

  useEffect(() => {
    void updates.getState().load();
  }, [updates]);

  const last = status?.lastCheck ?? null;
  return (
    <section className="panel" aria-labelledby="about-heading">
      <h2 id="about-heading">About whoot</h2>
      <dl className="managed-list">
        <div className="managed-row">
          <dt>Version</dt>
          <dd>{status?.version ?? '…'}</dd>
        </div>
        <div className="managed-row">
          <dt>Update channel</dt>
          <dd>
            {status?.channel ?? '…'} {status?.channelManaged === true && <ManagedNote />}
          </dd>
        </div>
        <div className="managed-row">
          <dt>Last update check</dt>
          <dd>
            <span role="status" aria-live="polite">
              {last === null ? 'Not checked yet' : `${OUTCOMES[last.outcome]} (${when(last.at)})`}
            </span>
          </dd>
        </div>
      </dl>
      {last !== null && (
        <p className={last.outcome === 'refused' || last.outcome === 'failed' ? 'alert' : 'muted'}>{last.message}</p>
      )}
      <div>
        <Button disabled={checking || status?.checking === true} onClick={() => void updates.getState().check()}>
          {checking ? 'Checking…' : 'Check for updates'}
        </Button>
      </div>
      {error !== null && (
        <p role="alert" className="alert">
          {error.message}
        </p>
      )}
    </section>
  );
}
