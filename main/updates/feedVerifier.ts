import {
  compareVersions,
  installerPlatform,
  type UpdateFeed,
  type UpdatePlatform,
  type UpdateRefusal,
} from '../../shared/updates';
import { verifyFeedSignature } from '../crypto/releaseSignature';
import { parseFeed } from '../updateFeed/feedText';

/**
 * The app's checks on an offered feed, in order, before anything is downloaded (docs/admin.md, "Signed updates"):
 * the organization's signature over the exact bytes, the format, a channel the policy allows, installers for this
 * platform, a serial not below the newest this app accepted (an older feed offered again is a replay), and a version
 * not below the one running. No Electron here: the same checks run in Node tests and in the app.
 */
export type FeedVerdict =
  | { readonly kind: 'newer'; readonly feed: UpdateFeed }
  | { readonly kind: 'current'; readonly feed: UpdateFeed }
  | { readonly kind: 'refused'; readonly reason: UpdateRefusal; readonly message: string };

export interface FeedExpectations {
  readonly publicKey: string;
  readonly allowedChannels: readonly string[];
  readonly platform: UpdatePlatform;
  readonly currentVersion: string;
  /** The highest serial this app accepted from this server for this channel and platform (0 for none). */
  readonly lastSerial: number;
}

const refused = (reason: UpdateRefusal, message: string): FeedVerdict => ({ kind: 'refused', reason, message });

export function verifyOfferedFeed(offer: { feed: string; signature: string }, expect: FeedExpectations): FeedVerdict {
  if (!verifyFeedSignature(expect.publicKey, offer.feed, offer.signature)) {
    return refused('bad_signature', "The update feed is not signed with your organization's release key.");
  }
  const parsed = parseFeed(offer.feed);
  if (!parsed.ok) return refused('malformed_feed', `The signed update feed could not be read: ${parsed.error.message}`);
  const feed = parsed.value;
  if (!expect.allowedChannels.includes(feed.channel)) {
    return refused(
      'channel_not_allowed',
      `The update is for the "${feed.channel}" channel, which your organization does not allow here.`,
    );
  }
  if (feed.files.some((file) => installerPlatform(file.url) !== expect.platform)) {
    return refused(
      'platform_mismatch',
      `The update feed lists installers for another platform than ${expect.platform}.`,
    );
  }
  if (feed.serial < expect.lastSerial) {
    return refused(
      'replayed_feed',
      `The server offered an older update feed (serial ${feed.serial}) than one already accepted (${expect.lastSerial}).`,
    );
  }
  const order = compareVersions(feed.version, expect.currentVersion);
  if (order < 0) {
    return refused('downgrade', `The update would go back to ${feed.version} from ${expect.currentVersion}.`);
  }
  return order === 0 ? { kind: 'current', feed } : { kind: 'newer', feed };
}
