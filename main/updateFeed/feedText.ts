import { dump, JSON_SCHEMA, load } from 'js-yaml';
import { fail, ok, type Result } from '../../shared/result';
import { parseInput } from '../../shared/validation';
import { MAX_FEED_BYTES, updateFeedSchema, type UpdateFeed } from '../../shared/updates';

/**
 * An update feed as text: what `release publish` writes and signs, and what the app parses after the signature
 * checked out. The same module on both ends, so the two cannot disagree on the format. electron-updater reads the
 * same text (its generic provider's `latest*.yml`), ignoring the two keys it does not know.
 */

/** The feed's YAML, keys in electron-builder's order; strings that look like numbers stay strings. */
export function formatFeed(feed: UpdateFeed): string {
  return dump(feed, { schema: JSON_SCHEMA, lineWidth: -1, noRefs: true, quotingType: "'", forceQuotes: false });
}

/**
 * Parses a feed's text (after its signature was checked: the signature covers bytes, this reads meaning). YAML's
 * JSON schema only, so no tags, no custom types and no anchors that expand; then the zod schema, so nothing the
 * verifier compares is of an unexpected type.
 */
export function parseFeed(text: string): Result<UpdateFeed> {
  if (text.length > MAX_FEED_BYTES) return fail('malformed_feed', 'The update feed is larger than a feed can be.');
  let document: unknown;
  try {
    document = load(text, { schema: JSON_SCHEMA, json: false });
  } catch {
    return fail('malformed_feed', 'The update feed is not valid YAML.');
  }
  const parsed = parseInput(updateFeedSchema, document, 'update feed');
  return parsed.ok ? ok(parsed.value) : fail('malformed_feed', parsed.error.message);
}
