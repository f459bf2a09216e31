import { SessionList } from '../account/SessionList';

/**
 * The signed-in user's own sessions on this server: the same list as the account screen's (renderer/account), so
 * the two can never disagree.
 */
export function SessionsSection() {
  return (
    <section aria-labelledby="admin-sessions-heading">
      <h3 id="admin-sessions-heading" className="admin-section-heading">
        Your active sessions
      </h3>
      <SessionList />
    </section>
  );
}
