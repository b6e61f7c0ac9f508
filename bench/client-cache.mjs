// Issue 11: what the elements cost on the wire and whether they paint with the session server
// down. (1) Bytes on the wire (response headers + body, counted on the socket) for a first load
// and for repeat loads of everything the elements need (the stable entry and the hashed module),
// with brotli, gzip and no compression, against the pre-issue-11 serving (one uncompressed file,
// no-cache: a 304 on every load). (2) First trail paint from the IndexedDB mirror with the
// session server stopped, in Chromium and Firefox ESR (puppeteer-core), with the bundle from the
// session server (the README's "Another origin" recipe: the browser's cached copy) and self-hosted
// (the wiki's static folder, `moin-session assets`; served no-store here, the worst case).
//
// `node bench/client-cache.mjs [--runs N]` (`npm run build` first).
import {connect} from 'node:net';
import {parseArgs} from 'node:util';
import puppeteer from 'puppeteer-core';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../scripts/chromium.mjs';
import {FIREFOX_PATH, FIREFOX_PREFS} from '../scripts/firefox.mjs';
import {bundleFiles, page} from './client.mjs';
import {startTarget} from './lib/child.mjs';
import {BENCH_PAGES} from './lib/fixture.mjs';
import {int, isMain} from './lib/format.mjs';
import {median} from './lib/load.mjs';
import {serveStatic} from './lib/static-server.mjs';

const here = (p) => new URL(p, import.meta.url).pathname;

/** One raw HTTP/1.1 request; resolves with the response's bytes on the wire and its head. */
function wire(url, headers) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let bytes = 0;
    let text = '';
    socket.on('data', (d) => {
      bytes += d.length;
      if (text.length < 4096) text += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const status = Number(head.split(' ')[1]);
      const etag = /\r\netag: (.+)/i.exec(head)?.[1];
      resolve({bytes, status, etag});
    });
    const lines = Object.entries({host: u.host, connection: 'close', ...headers})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.write(`GET ${u.pathname} HTTP/1.1\r\n${lines}\r\n\r\n`);
  });
}

/** Bytes on the wire for the entry + module, per Accept-Encoding, first load and revalidation. */
export async function measureWire(baseUrl) {
  const files = Object.keys(bundleFiles());
  const rows = {};
  for (const [label, accept] of [
    ['brotli', 'gzip, deflate, br, zstd'],
    ['gzip', 'gzip, deflate'],
    ['none', 'identity'],
  ]) {
    let first = 0;
    let revalidate = 0;
    for (const path of files) {
      const r = await wire(`${baseUrl}${path}`, {'accept-encoding': accept});
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
      first += r.bytes;
      // The hashed module is immutable and fresh for a year: a repeat load does not ask for it.
      if (path === '/moin-session.js') {
        const again = await wire(`${baseUrl}${path}`, {
          'accept-encoding': accept,
          'if-none-match': r.etag,
        });
        if (again.status !== 304) throw new Error(`conditional GET ${path}: ${again.status}`);
        revalidate += again.bytes;
      }
    }
    rows[label] = {firstLoadBytes: first, repeatFreshBytes: 0, repeatAfterMaxAgeBytes: revalidate};
  }
  // Before issue 11: the whole bundle uncompressed, no-cache, so every load revalidated it (304).
  const module = files.find((f) => f !== '/moin-session.js');
  const plain = await wire(`${baseUrl}${module}`, {'accept-encoding': 'identity'});
  const plain304 = await wire(`${baseUrl}${module}`, {
    'accept-encoding': 'identity',
    'if-none-match': plain.etag,
  });
  rows.before = {
    firstLoadBytes: plain.bytes,
    repeatFreshBytes: plain304.bytes,
    repeatAfterMaxAgeBytes: plain304.bytes,
  };
  return rows;
}

function launch(browser) {
  return browser === 'chromium'
    ? puppeteer.launch({
        browser: 'chrome',
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS],
      })
    : puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX_PATH,
        headless: true,
        extraPrefsFirefox: {...FIREFOX_PREFS},
      });
}

/**
 * First trail paint from the mirror with the session server stopped, `runs` fresh page loads
 * after one seeding load with the server up; medians in ms. Throws if it never paints.
 */
export async function measureOutagePaint({browser, bundle, runs = 5, timeoutMs = 10_000}) {
  const files = bundleFiles();
  const site = await serveStatic(files);
  const target = await startTarget(here('./lib/moin-target.mjs'), [], {
    env: {MOIN_BENCH_ORIGINS: JSON.stringify([site.url])},
  });
  const src = bundle === 'server' ? `${target.url}/moin-session.js` : '/moin-session.js';
  files['/'] = {type: 'text/html', body: page(`${target.url}/api`, BENCH_PAGES.length, src)};
  const b = await launch(browser);
  try {
    const context = await b.createBrowserContext();
    const [name, value] = target.cookie.split('=');
    await context.setCookie({name, value, domain: '127.0.0.1', path: '/', httpOnly: true});
    const seed = await context.newPage();
    await seed.goto(site.url);
    await seed.waitForFunction(() => window.__bench !== undefined, {timeout: timeoutMs});
    await new Promise((r) => setTimeout(r, 500));
    await seed.close();
    await target.stop();
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const p = await context.newPage();
      await p.goto(site.url);
      await p
        .waitForFunction(() => window.__bench !== undefined, {timeout: timeoutMs})
        .catch(() => {
          throw new Error(`${browser}, bundle ${bundle}: run ${i + 1} never painted the trail`);
        });
      const r = await p.evaluate(() => window.__bench);
      if (r.trail.length !== BENCH_PAGES.length) throw new Error(`painted ${r.trail}`);
      samples.push(r.paintMs);
      await p.close();
    }
    return {runs, paintMs: Math.round(median(samples) * 10) / 10};
  } finally {
    await b.close();
    await target.stop();
    await site.close();
  }
}

/** The whole part; `print` gets one line at a time. Failures are reported, not thrown. */
export async function runClientCacheBench({runs = 5, print = console.log} = {}) {
  const result = {wire: null, outagePaint: {}};
  const target = await startTarget(here('./lib/moin-target.mjs'));
  try {
    result.wire = await measureWire(target.url);
  } catch (err) {
    result.wire = {error: String(err?.message ?? err)};
  } finally {
    await target.stop();
  }
  if (result.wire.error) print(`client-cache: bytes on the wire: FAILED: ${result.wire.error}`);
  else {
    print('client-cache: bytes on the wire for everything the elements need (entry + module)');
    print('  serving                      first load   repeat, fresh   repeat, after max-age');
    for (const [k, r] of Object.entries(result.wire)) {
      const label = k === 'before' ? 'before issue 11 (no-cache)' : `now, ${k}`;
      print(
        `  ${label.padEnd(28)} ${int(r.firstLoadBytes).padStart(8)} B ${int(r.repeatFreshBytes).padStart(12)} B ${int(r.repeatAfterMaxAgeBytes).padStart(17)} B`
      );
    }
    const w = result.wire;
    print(
      `  first load: brotli ${(w.before.firstLoadBytes / w.brotli.firstLoadBytes).toFixed(2)}× fewer bytes than before, gzip ${(w.before.firstLoadBytes / w.gzip.firstLoadBytes).toFixed(2)}×`
    );
  }
  for (const browser of ['chromium', 'firefox']) {
    for (const bundle of ['server', 'self-hosted']) {
      const key = `${browser}/${bundle}`;
      try {
        result.outagePaint[key] = await measureOutagePaint({browser, bundle, runs});
        print(
          `  first trail paint, session server stopped, ${browser}, bundle ${bundle === 'server' ? 'from the server (cached)' : 'self-hosted'}: ${result.outagePaint[key].paintMs} ms (median of ${runs})`
        );
      } catch (err) {
        result.outagePaint[key] = {error: String(err?.message ?? err)};
        print(`  first trail paint, ${key}: FAILED: ${result.outagePaint[key].error}`);
      }
    }
  }
  return result;
}

if (isMain(import.meta.url)) {
  const {values} = parseArgs({options: {runs: {type: 'string', default: '5'}}});
  console.log(JSON.stringify(await runClientCacheBench({runs: Number(values.runs)}), null, 2));
}
