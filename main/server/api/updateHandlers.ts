import { sha512UrlSchema, installerNameSchema } from '../../../shared/updates';
import { chooseRelease, OFFER_WINDOW } from '../releases/rollout';
import type { ApiDeps, EndpointHandlers } from './context';
import { notFound } from './membership';

type UpdateHandlers = Pick<EndpointHandlers, 'updateFeed' | 'updateFile'>;

/**
 * The signed update channel's two routes (docs/admin.md, "Signed updates"): the feed a signed-in installation is
 * offered (the newest release not paused whose rollout includes it; the server hands over what the release key
 * signed and signs nothing itself), and installers by digest.
 */
export function updateHandlers({ store }: ApiDeps): UpdateHandlers {
  return {
    async updateFeed({ body }) {
      const offered = await store.releases.offered(body.channel, body.platform, OFFER_WINDOW);
      const release = chooseRelease(offered, body.installationId);
      return {
        status: 200,
        body: { release: release === null ? null : { feed: release.feed, signature: release.signature } },
      };
    },
    async updateFile({ params }) {
      const digest = params['digest'] ?? '';
      const name = params['name'] ?? '';
      if (!sha512UrlSchema.safeParse(digest).success || !installerNameSchema.safeParse(name).success) {
        throw notFound();
      }
      const opened = await store.releases.openFile(digest, name);
      if (opened === undefined) throw notFound();
      return {
        status: 200,
        stream: opened.content,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(opened.file.size),
          'content-disposition': 'attachment',
        },
      };
    },
  };
}
