/**
 * How long tests wait, in one place. A deadline exists to turn "never" into a clear failure, not to say "slow": on a
 * 2-core machine under load (another suite, a build, `stress-ng`), a sign-up that hashes a password or a server that
 * starts can take many seconds, and a 5 s client timeout failed whole suites that passed alone (issue 14, item 14).
 * So waits for something that will come are long, and servers and child processes are awaited by their own signal
 * (a line on a pipe, a listening socket), never by a sleep. Vitest's test and hook timeouts (vitest.config.ts) are
 * longer still, so a wait's own message is the one a failure shows.
 */

/** A request to a live test server: idle-socket timeout of the test clients. */
export const TEST_IO_TIMEOUT_MS = 60_000;

/** Waiting for a message, a state or a connection that the test expects to come. */
export const TEST_WAIT_MS = 30_000;
