import type { BrowserContext, Page } from 'playwright-core';

/** Everything a page can persist on its own: web storage, IndexedDB database names and cookies. */
export async function readPageStorage(page: Page, context: BrowserContext) {
  const storage = await page.evaluate(async () => ({
    localStorage: Object.entries(localStorage),
    sessionStorage: Object.entries(sessionStorage),
    indexedDB: (await indexedDB.databases()).map((db) => db.name ?? ''),
    documentCookie: document.cookie,
  }));
  return { ...storage, cookies: await context.cookies() };
}

/** The renderer's whole JS heap as text (a V8 heap snapshot over CDP), to search for strings it must not hold. */
export async function heapSnapshotText(page: Page, context: BrowserContext): Promise<string> {
  const cdp = await context.newCDPSession(page);
  const chunks: string[] = [];
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await cdp.detach();
  return chunks.join('');
}
