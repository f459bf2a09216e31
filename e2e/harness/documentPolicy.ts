import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Page } from 'playwright-core';

/**
 * The stand-in for main/app/appProtocol.ts, which sends each app document with the CSP for the session as it is
 * when the document loads. Several app pages (each with its own main process) share one static server here, so
 * each page names itself in a request header and the static server asks that page's main for the policy.
 *
 * Why not Playwright's route.fulfill: a fulfilled document has no network address, and Chromium's local network
 * access checks then refuse its connections to servers on 127.0.0.1. Why not CDP's Fetch.continueResponse: the
 * header it adds does not become the document's policy.
 */
const PAGE_HEADER = 'x-whoot-harness-page';
const policies = new Map<string, () => string>();

export async function serveDocumentPolicy(page: Page, policy: () => string): Promise<void> {
  const id = randomUUID();
  policies.set(id, policy);
  page.once('close', () => policies.delete(id));
  await page.setExtraHTTPHeaders({ [PAGE_HEADER]: id });
}

/** The CSP header for a document request from a page that serveDocumentPolicy() set up, else null. */
export function documentPolicyFor(headers: IncomingHttpHeaders): string | null {
  const id = headers[PAGE_HEADER];
  return typeof id === 'string' ? (policies.get(id)?.() ?? null) : null;
}
