import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {readFileSync} from 'node:fs';
import type {Browser} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  CLIENT_BROTLI_BUDGET,
  CLIENT_ENTRY,
  CLIENT_GZIP_BUDGET,
  clientModule,
  clientSize,
} from '../../scripts/check-client-size.mjs';
import {launchChromium} from '../support/e2e-browser.js';

// The built bundle (dist/client/moin-session.js, made by the global setup) as pages load it.

describe('dist/client/moin-session.js', () => {
  it('stays within the 11 KiB gzip and 10 KiB brotli budgets for everything both elements load', () => {
    const size = clientSize();
    expect(CLIENT_GZIP_BUDGET).toBe(11_264);
    expect(CLIENT_BROTLI_BUDGET).toBe(10_240);
    expect(size.gzip).toBeLessThanOrEqual(CLIENT_GZIP_BUDGET);
    expect(size.brotli).toBeLessThanOrEqual(CLIENT_BROTLI_BUDGET);
    // The code is one self-contained module: no imports left for the page to resolve.
    expect(readFileSync(size.file, 'utf8')).not.toMatch(/\bimport\s*[{*'"]|from\s*['"]/);
    // The stable entry only names it.
    expect(size.file).toMatch(/moin-session\.[0-9a-f]{12}\.js$/);
    expect(readFileSync(CLIENT_ENTRY, 'utf8')).toMatch(
      /^export \* from '\.\/moin-session\.[0-9a-f]{12}\.js';\n$/
    );
  });

  describe('in a page', () => {
    let browser: Browser;
    let server: Server;
    let origin: string;
    beforeAll(async () => {
      browser = await launchChromium();
      const entry = readFileSync(CLIENT_ENTRY);
      const module = clientModule();
      const code = readFileSync(module);
      server = createServer((req, res) => {
        const body =
          req.url === '/moin-session.js'
            ? entry
            : req.url === `/${module.split('/').pop()}`
              ? code
              : null;
        if (body) {
          res.writeHead(200, {'content-type': 'text/javascript'}).end(body);
          return;
        }
        res.writeHead(200, {'content-type': 'text/html'}).end(`<!doctype html>
<link rel="icon" href="data:,">
<script>
  // Another copy of the elements (another version, say) got there first.
  customElements.define('moin-trail', class extends HTMLElement {});
</script>
<script type="module">
  window.moin = await import('/moin-session.js');
</script>`);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await browser?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('registers the elements whose names are free, keeps a taken one, and exports the classes', async () => {
      const page = await browser.newPage();
      page.setDefaultTimeout(5000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(origin);
      await page.waitForFunction(() => 'moin' in window);
      const result = await page.evaluate(() => {
        const m = (window as unknown as {moin: Record<string, unknown>}).moin;
        return {
          banner: customElements.get('moin-su-banner') === m['MoinSuBanner'],
          trailKept: customElements.get('moin-trail') !== m['MoinTrail'],
          exports: Object.keys(m).sort(),
        };
      });
      expect(result).toEqual({
        banner: true,
        trailKept: true,
        exports: [
          'MoinSuBanner',
          'MoinTrail',
          'SessionConnection',
          'SessionRequestError',
          'connectionFor',
        ],
      });
      // The class can still be registered under another name.
      await page.evaluate(() => {
        const m = (window as unknown as {moin: {MoinTrail: CustomElementConstructor}}).moin;
        customElements.define('wiki-trail', class extends m.MoinTrail {});
      });
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
