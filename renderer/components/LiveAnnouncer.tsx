import { useStore } from 'zustand';
import { useStores } from '../storesContext';

/**
 * The app's two screen-reader-only live regions. Each announcement replaces the region's child (keyed by its
 * serial), which screen readers read as new text even when the words repeat.
 */
export function LiveAnnouncer() {
  const { announcer } = useStores();
  const polite = useStore(announcer, (state) => state.polite);
  const assertive = useStore(announcer, (state) => state.assertive);
  return (
    <div className="visually-hidden">
      <div aria-live="polite" aria-atomic="true" data-testid="announcer-polite">
        {polite !== null && <span key={polite.serial}>{polite.text}</span>}
      </div>
      <div aria-live="assertive" aria-atomic="true" data-testid="announcer-assertive">
        {assertive !== null && <span key={assertive.serial}>{assertive.text}</span>}
      </div>
    </div>
  );
}
