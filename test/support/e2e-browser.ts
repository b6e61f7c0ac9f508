import {chromium, type Browser, type Page} from 'playwright-core';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../../scripts/chromium.mjs';

/** Headless Debian Chromium with the flags a container needs (scripts/chromium.mjs). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS]});
}

/** The page names the trail shows, oldest first (shadow DOM pierced). */
export function trailOf(page: Page): Promise<string[]> {
  return page
    .locator('moin-trail a')
    .evaluateAll((links) => links.map((a) => a.getAttribute('title') ?? a.textContent ?? ''));
}

/** The trail's offline notice ('' while online). */
export function offlineNotice(page: Page): Promise<string> {
  return page.locator('moin-trail [role="status"]').innerText();
}

/** Everything in the mirror database, as one JSON string. */
export function dumpMirror(page: Page): Promise<string> {
  return page.evaluate(readMirror);
}

/** {@link dumpMirror}'s work, run in the page (any driver's `evaluate` takes it). */
export async function readMirror(): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open('moin-session');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    if (!db.objectStoreNames.contains('kv')) return '[]';
    const store = db.transaction('kv').objectStore('kv');
    const read = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const [keys, values] = await Promise.all([read(store.getAllKeys()), read(store.getAll())]);
    return JSON.stringify(keys.map((k, i) => [k, values[i]]));
  } finally {
    db.close();
  }
}
