import { useStore } from 'zustand';
import type { LinkConcern } from '../../shared/links';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useStores } from '../storesContext';

const CONCERN_TEXT: Readonly<Record<LinkConcern, string>> = {
  text_differs: 'The link’s text is not the address it opens.',
  lookalike_host:
    'The host has letters from other alphabets that can pass for familiar ones; it is shown in its real (punycode) form.',
  unencrypted: 'It uses http: what you send and see there can be read or changed on the way.',
};

/** Main's question about a link from a message (links.open), shown before anything opens. */
export function LinkConfirmDialog() {
  const { links } = useStores();
  const confirmation = useStore(links, (state) => state.confirmation);
  if (confirmation === null) return null;
  return (
    <ConfirmDialog
      open
      tone="primary"
      title="Open this link?"
      confirmLabel="Open link"
      consequence={confirmation.concerns.map((concern) => (
        <p key={concern}>{CONCERN_TEXT[concern]}</p>
      ))}
      onConfirm={() => void links.getState().confirm()}
      onCancel={() => links.getState().cancel()}
    >
      <dl className="confirm-dialog-facts">
        <dt>Host</dt>
        <dd className="confirm-dialog-exact">{confirmation.host}</dd>
        <dt>Full address</dt>
        <dd className="confirm-dialog-exact small">{confirmation.url}</dd>
      </dl>
    </ConfirmDialog>
  );
}
