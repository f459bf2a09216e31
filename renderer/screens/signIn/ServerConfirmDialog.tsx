import { useStore } from 'zustand';
import { hostAndPort } from '../../../shared/identifiers';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useStores } from '../../storesContext';

/**
 * The question before whoot talks to a server it has not joined: which host, which key (short fingerprint), and
 * that it is new (or that its key changed). Shown wherever the user is, since a whoot:// link can arrive anytime.
 */
export function ServerConfirmDialog() {
  const { serverTrust } = useStores();
  const question = useStore(serverTrust, (state) => state.question);
  if (question === null) return null;
  const { review, source } = question;
  const rekeyed = review.status === 'key_changed';
  return (
    <ConfirmDialog
      title={rekeyed ? 'This server’s key has changed' : 'Join a new server?'}
      confirmLabel={rekeyed ? 'Trust the new key' : 'Join server'}
      open
      tone="primary"
      onConfirm={() => void serverTrust.getState().answer(true)}
      onCancel={() => void serverTrust.getState().answer(false)}
      consequence={
        <p>
          {rekeyed
            ? 'You joined this server before with another key. That happens when it is reinstalled, and when someone else pretends to be it: ask its admin before you go on.'
            : source === 'link'
              ? 'A link asks whoot to join a server it has never connected to.'
              : 'whoot has never connected to this server.'}{' '}
          Your password goes to it when you sign in: go on only if you trust whoever gave you the invite.
        </p>
      }
    >
      <dl className="confirm-dialog-facts">
        <dt>Server</dt>
        <dd className="confirm-dialog-exact">{hostAndPort(review)}</dd>
        <dt>Key fingerprint</dt>
        <dd className="confirm-dialog-exact">{review.fingerprint}</dd>
      </dl>
      <p className="muted small">The fingerprint is the start of the invite’s key pin (fp=…).</p>
    </ConfirmDialog>
  );
}
