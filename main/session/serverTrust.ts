import type { ServerAddress } from '../../shared/identifiers';
import { fail, ok, type Result } from '../../shared/result';
import { sameServer, shortKeyFingerprint, type ServerReview } from '../../shared/serverTrust';
import { MAX_JOINED_SERVERS, type PreferencesStore } from '../settings/preferencesStore';

/**
 * Which servers the user agreed to talk to, kept by main so that no page, link or bug can send a password to a
 * server the user was never asked about (issue: a whoot:// link from any web page used to fill the sign-in form
 * silently, with the attacker's host and the attacker's own key pin).
 *
 * A server is host, port and key pin together. It is trusted when the user confirmed it in this run
 * (`servers.confirm`, after the app showed host and fingerprint), or signed in to it before (`joinedServers` in
 * the preferences file, written on each successful sign-in). Without a preferences file (tests, a broken disk)
 * joined servers last for the run only, which asks again next time: the safe direction.
 */
export interface ServerTrust {
  review(server: ServerAddress): Promise<ServerReview>;
  confirm(server: ServerAddress): void;
  isTrusted(server: ServerAddress): Promise<boolean>;
  /** False for a server whose key the organization's policy does not list (allowedServerPins); then nothing trusts it. */
  isAllowed(server: ServerAddress): boolean;
  /** After a successful sign-in: remembered for next time; a new key for a known host and port replaces the old. */
  rememberJoined(server: ServerAddress): Promise<Result<void>>;
}

export function createServerTrust(options: {
  readonly preferences: PreferencesStore | null;
  readonly log?: (message: string) => void;
  /** The managed policy's allowedServerPins: when given, no other server is trusted, confirmed or joined. */
  readonly allowedPins?: readonly string[];
}): ServerTrust {
  const { preferences } = options;
  const log = options.log ?? (() => undefined);
  const confirmed: ServerAddress[] = [];
  let joinedThisRun: ServerAddress[] = [];

  const joined = async (): Promise<readonly ServerAddress[]> =>
    preferences === null ? joinedThisRun : (await preferences.load()).joinedServers;

  const isAllowed = (server: ServerAddress) =>
    options.allowedPins === undefined || options.allowedPins.includes(server.spkiPin);
  const isTrusted = async (server: ServerAddress) =>
    isAllowed(server) &&
    (confirmed.some((known) => sameServer(known, server)) ||
      (await joined()).some((known) => sameServer(known, server)));

  return {
    async review(server) {
      const base = { ...server, fingerprint: shortKeyFingerprint(server.spkiPin) };
      if (await isTrusted(server)) return { ...base, status: 'known' };
      const sameAddress = (await joined()).some((known) => known.host === server.host && known.port === server.port);
      return { ...base, status: sameAddress ? 'key_changed' : 'new' };
    },
    confirm(server) {
      if (isAllowed(server) && !confirmed.some((known) => sameServer(known, server))) confirmed.push({ ...server });
    },
    isTrusted,
    isAllowed,
    async rememberJoined(server) {
      const next = (list: readonly ServerAddress[]) =>
        [...list.filter((known) => known.host !== server.host || known.port !== server.port), { ...server }].slice(
          -MAX_JOINED_SERVERS,
        );
      if (preferences === null) {
        joinedThisRun = next(joinedThisRun);
        return ok(undefined);
      }
      const saved = await preferences.update('joinedServers', next);
      if (saved.ok) return ok(undefined);
      log('server trust: the joined server could not be remembered; it will be asked about again next time');
      return fail(saved.error.code, saved.error.message);
    },
  };
}
