import { allowedLink, decideLink, type AllowedLink } from '../../security/linkPolicy';
import type { IpcHandler } from '../registerHandlers';

/** What main/app provides: the system browser, reachable only with a link the policy let through. */
export interface LinkOpener {
  open(link: AllowedLink): Promise<void>;
}

/**
 * Opens a link from message content outside the app, as linkPolicy decides: a link that shows where it goes at
 * once; one that needs the reader's word (disguised text, a look-alike host, plain http) only when the page calls
 * again with `confirmed` after showing main's answer (the exact URL and host); nothing else. The window itself
 * never navigates; a refused link is an error the page can show.
 */
export const linksOpenHandler =
  (opener: LinkOpener | null): IpcHandler<'links.open'> =>
  async ({ url, text, confirmed }) => {
    const decision = decideLink(url, text);
    if (decision.action === 'refuse') {
      return { ok: false, error: { code: 'link_refused', message: 'whoot does not open this kind of link.' } };
    }
    if (opener === null) return { ok: false, error: { code: 'unavailable', message: 'Links cannot be opened here.' } };
    if (decision.action === 'confirm' && confirmed !== true) {
      const { url: exact, host, concerns } = decision;
      return { ok: true, value: { opened: false, confirm: { url: exact, host, concerns: [...concerns] } } };
    }
    const link = allowedLink(decision, confirmed === true);
    if (link === null) return { ok: false, error: { code: 'link_refused', message: 'whoot does not open this link.' } };
    await opener.open(link);
    return { ok: true, value: { opened: true } };
  };
