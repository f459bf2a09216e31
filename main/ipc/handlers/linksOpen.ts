import { decideLink } from '../../security/linkPolicy';
import type { IpcHandler } from '../registerHandlers';

/** What main/app provides: the system browser, and a question to the user for plain http. */
export interface LinkOpener {
  open(url: string): Promise<void>;
  confirm(url: string): Promise<boolean>;
}

/**
 * Opens a link from message content outside the app, as linkPolicy decides: https at once, http after the user
 * agrees, nothing else. The window itself never navigates; a refused link is an error the page can show.
 */
export const linksOpenHandler =
  (opener: LinkOpener | null): IpcHandler<'links.open'> =>
  async ({ url }) => {
    const decision = decideLink(url);
    if (decision.action === 'refuse') {
      return { ok: false, error: { code: 'link_refused', message: 'whoot does not open this kind of link.' } };
    }
    if (opener === null) return { ok: false, error: { code: 'unavailable', message: 'Links cannot be opened here.' } };
    if (decision.action === 'confirm' && !(await opener.confirm(decision.url)))
      return { ok: true, value: { opened: false } };
    await opener.open(decision.url);
    return { ok: true, value: { opened: true } };
  };
