import { useStore } from 'zustand';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useStores } from '../../storesContext';

export function LoadingScreen() {
  return (
    <section className="screen screen-centered" aria-busy="true">
      <ScreenHeading>Starting whoot</ScreenHeading>
      <p className="muted" role="status">
        Checking your session…
      </p>
    </section>
  );
}

/** Main did not answer session.status: say so and offer a retry rather than a sign-in form that cannot work. */
export function SessionUnavailableScreen() {
  const { session } = useStores();
  const loadError = useStore(session, (state) => state.loadError);
  return (
    <section className="screen screen-centered">
      <ScreenHeading>whoot could not start its session</ScreenHeading>
      <p role="alert" className="alert">
        {loadError?.message ?? 'The app did not answer.'}
      </p>
      <button type="button" className="button" onClick={() => void session.getState().load()}>
        Try again
      </button>
    </section>
  );
}
