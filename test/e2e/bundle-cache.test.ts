import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Browser} from 'puppeteer-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ENTRY_CACHE_CONTROL} from '../../server/http/static-routes.js';
import {BROWSERS, launch} from '../support/e2e-puppeteer.js';

// What Chromium and Firefox do with a cached cross-origin module once its server is stopped: a
// page (its own server stays up) imports a module from a second server, is loaded once, the
// module's copy goes stale (max-age=1, then 2.5 s), the module's server stops, and the page is
// loaded again, twice (navigations, as following a link). Does the module run? This is why the stable
// entry is served with stale-while-revalidate (docs/client.md "Caching, releases and
// self-hosting").

/** The stable entry's header with max-age cut to 1 s, so the test does not wait 5 minutes. */
const OURS = ENTRY_CACHE_CONTROL.replace(/max-age=\d+/, 'max-age=1');

/** Header → does the stale module run with its server down (the same in both browsers). */
const MEASURED: [string, boolean][] = [
  ['no-cache', false],
  ['max-age=1', false],
  ['max-age=1, stale-if-error=604800', false],
  ['max-age=1, stale-while-revalidate=604800', true],
  [OURS, true],
];

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const close = (s: Server) =>
  new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });

it('cuts the stable entry header to max-age=1 (it has a max-age to cut)', () => {
  expect(OURS).not.toBe(ENTRY_CACHE_CONTROL);
  expect(OURS).toMatch(/(^|[ ,])max-age=1(,|$)/);
});

describe.each(BROWSERS)('a stale cached module with its server stopped, in %s', (name) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch(name);
  }, 60_000);
  afterAll(() => browser?.close());

  for (const [cacheControl, runs] of MEASURED) {
    it(`${runs ? 'runs' : 'does not run'} with Cache-Control: ${cacheControl}`, async () => {
      const modules = await listen((_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/javascript',
          'cache-control': cacheControl,
          'access-control-allow-origin': '*',
          etag: '"v1"',
        });
        res.end('window.ran = true;\n');
      });
      const src = `${urlOf(modules)}/m.js`;
      const page = await listen((_req, res) => {
        res.writeHead(200, {'content-type': 'text/html', 'cache-control': 'no-store'});
        res.end(
          `<!doctype html><link rel="icon" href="data:,"><script type="module" src="${src}"></script>`
        );
      });
      const context = await browser.createBrowserContext();
      try {
        const tab = await context.newPage();
        await tab.goto(urlOf(page));
        await tab.waitForFunction(() => (window as {ran?: boolean}).ran === true, {timeout: 5000});
        await new Promise((r) => setTimeout(r, 2500));
        await close(modules);
        // Twice: a failed background revalidation must not cost the copy for the next load.
        for (const load of [1, 2]) {
          await tab.goto(urlOf(page));
          const ran = await tab
            .waitForFunction(() => (window as {ran?: boolean}).ran === true, {timeout: 3000})
            .then(
              () => true,
              () => false
            );
          expect(ran, `load ${load} with the server down`).toBe(runs);
        }
      } finally {
        await context.close();
        await close(page);
        if (modules.listening) await close(modules);
      }
    });
  }
});
