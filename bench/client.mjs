// The client: size of dist/client/moin-session.js (gzip -9 and brotli 11, via node:zlib) and the
// time from module load to the first trail paint from the IndexedDB mirror, in headless Chromium.
// A first page load with the server up seeds the mirror (a logged-in session with a 5-page trail);
// then the server is stopped and each measured run is a fresh page load in the same profile with
// the endpoint unreachable: whatever the trail shows then came from the mirror.
//
// `node bench/client.mjs [--runs N]` (`npm run build` first).
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {chromium} from 'playwright-core';
import {CLIENT_ENTRY, clientModule, clientSize} from '../scripts/check-client-size.mjs';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../scripts/chromium.mjs';
import {startTarget} from './lib/child.mjs';
import {BENCH_PAGES} from './lib/fixture.mjs';
import {int, isMain, verdict} from './lib/format.mjs';
import {median} from './lib/load.mjs';
import {serveStatic} from './lib/static-server.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const BUNDLE = here(`../${CLIENT_ENTRY}`);

/** The stable entry and the hashed module it imports, as a static site serves them. */
export function bundleFiles() {
  const module = clientModule(BUNDLE);
  const type = 'text/javascript';
  return {
    '/moin-session.js': {type, body: readFileSync(BUNDLE)},
    [`/${module.split('/').pop()}`]: {type, body: readFileSync(module)},
  };
}

/** Budgets (README "Performance"): everything the page loads, gzip, and brotli. */
export const CLIENT_BUDGETS = {gzipBytes: 12 * 1024, brotliBytes: 10 * 1024};

/** Raw, gzip -9 and brotli 11 sizes of the bundle: the same measure as the budget check. */
export function bundleSizes(file = clientModule(BUNDLE)) {
  const {raw, gzip, brotli} = clientSize(file);
  const name = `dist/client/${file.split('/').pop()}`;
  return {file: name, rawBytes: raw, gzipBytes: gzip, brotliBytes: brotli};
}

// The measured page: t0 just before the module is imported; the trail counts as painted at the
// first animation frame after its shadow root holds every seeded entry.
export const page = (endpoint, expected, bundle = '/moin-session.js') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench</title></head>
<body><moin-trail endpoint="${endpoint}"></moin-trail>
<script type="module">
const t0 = performance.now();
const expected = ${expected};
await import('${bundle}');
const tModule = performance.now();
await customElements.whenDefined('moin-trail');
const el = document.querySelector('moin-trail');
const count = () => el.shadowRoot ? el.shadowRoot.querySelectorAll('li').length : 0;
await new Promise((resolve) => {
  if (count() >= expected) return resolve();
  const check = () => { if (count() >= expected) { mo.disconnect(); resolve(); } else requestAnimationFrame(check); };
  const mo = new MutationObserver(check);
  if (el.shadowRoot) mo.observe(el.shadowRoot, {childList: true, subtree: true, characterData: true});
  requestAnimationFrame(check);
});
const tDom = performance.now();
requestAnimationFrame(() => {
  window.__bench = {moduleMs: tModule - t0, domMs: tDom - t0, paintMs: performance.now() - t0,
    trail: [...el.shadowRoot.querySelectorAll('li')].map((li) => li.textContent.trim())};
});
</script></body></html>`;

/**
 * Measures the first trail paint from the mirror, `runs` times; returns medians in ms.
 * Throws when the elements never paint the seeded trail.
 */
export async function measureFirstPaint({runs = 10, timeoutMs = 10_000} = {}) {
  const files = bundleFiles();
  const site = await serveStatic(files);
  const target = await startTarget(here('./lib/moin-target.mjs'), [], {
    env: {MOIN_BENCH_ORIGINS: JSON.stringify([site.url])},
  });
  files['/'] = {type: 'text/html', body: page(`${target.url}/api`, BENCH_PAGES.length)};
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
  try {
    const context = await browser.newContext();
    const [name, value] = target.cookie.split('=');
    await context.addCookies([{name, value, domain: '127.0.0.1', path: '/', httpOnly: true}]);
    // Seed: the server is up; the trail arrives from it and lands in the mirror.
    const seed = await context.newPage();
    seed.setDefaultTimeout(timeoutMs);
    await seed.goto(site.url);
    await seed.waitForFunction(() => window.__bench !== undefined);
    // Give the mirror's IndexedDB write time to commit before the page goes away.
    await seed.waitForTimeout(500);
    await seed.close();
    await target.stop();
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const p = await context.newPage();
      p.setDefaultTimeout(timeoutMs);
      await p.goto(site.url);
      try {
        await p.waitForFunction(() => window.__bench !== undefined);
      } catch {
        throw new Error(
          `run ${i + 1}: the trail was not painted from the mirror within ${timeoutMs} ms ` +
            `(offline, ${BENCH_PAGES.length} entries expected)`
        );
      }
      const r = await p.evaluate(() => window.__bench);
      if (r.trail.length !== BENCH_PAGES.length)
        throw new Error(`run ${i + 1}: painted ${JSON.stringify(r.trail)}`);
      samples.push(r);
      await p.close();
    }
    const pick = (k) => Math.round(median(samples.map((s) => s[k])) * 10) / 10;
    return {runs, moduleMs: pick('moduleMs'), domMs: pick('domMs'), paintMs: pick('paintMs')};
  } finally {
    await browser.close();
    await target.stop();
    await site.close();
  }
}

/** Sizes and first paint; `print` gets one line at a time. A paint failure is reported, not thrown. */
export async function runClientBench({runs = 10, print = console.log} = {}) {
  const sizes = bundleSizes();
  print(
    `client: ${sizes.file} ${int(sizes.rawBytes)} B raw, ${int(sizes.gzipBytes)} B gzip -9 ` +
      `(budget ${int(CLIENT_BUDGETS.gzipBytes)}: ${verdict(CLIENT_BUDGETS.gzipBytes, sizes.gzipBytes)}), ` +
      `${int(sizes.brotliBytes)} B brotli (budget ${int(CLIENT_BUDGETS.brotliBytes)}: ${verdict(CLIENT_BUDGETS.brotliBytes, sizes.brotliBytes)})`
  );
  let firstPaint;
  try {
    firstPaint = await measureFirstPaint({runs});
    print(
      `  first trail paint from the mirror, server unreachable (median of ${runs}): ` +
        `${firstPaint.paintMs} ms after module load started (module ${firstPaint.moduleMs} ms, DOM ${firstPaint.domMs} ms)`
    );
  } catch (err) {
    firstPaint = {error: err instanceof Error ? err.message : String(err)};
    print(`  first trail paint: FAILED: ${firstPaint.error}`);
  }
  return {sizes, budgets: CLIENT_BUDGETS, firstPaint};
}

if (isMain(import.meta.url)) {
  const {values} = parseArgs({options: {runs: {type: 'string', default: '10'}}});
  console.log(JSON.stringify(await runClientBench({runs: Number(values.runs)}), null, 2));
}
