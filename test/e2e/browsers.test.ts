import {spawnSync} from 'node:child_process';
import type {Browser, BrowserContext, Page} from 'puppeteer-core';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../shared/index.js';
import {sessionKey} from '../../server/session/ids.js';
import {E2E_USERS} from '../support/e2e-api.js';
import {readMirror} from '../support/e2e-browser.js';
import {
  BROWSERS,
  bannerIn,
  clickBannerButton,
  launch,
  noticeIn,
  sessionCookie,
  trailIn,
} from '../support/e2e-puppeteer.js';
import {startStack, type E2eStack} from '../support/e2e-stack.js';
import {HttpClient} from '../support/http-client.js';
import {makeTempDir, type TempDir} from '../support/temp-dir.js';
import {decodeOpWindow} from '../../server/store/op-window.js';

// The end-to-end flows in Debian Chromium and stock Firefox ESR (puppeteer-core; Firefox over
// WebDriver BiDi with its default cookie protection). The host wiki is a second origin and loads
// the bundle as the README says: from the session server ("Another origin") or from its own
// static folder, written by `moin-session assets` (self-hosted).

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, {timeout: 10_000, interval: 50});

/** The self-hosted copy, written once by the real CLI. */
let assets: TempDir;
beforeAll(async () => {
  assets = await makeTempDir('moin-assets-');
  const r = spawnSync(process.execPath, ['bin/moin-session.js', 'assets', '--out', assets.path], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`moin-session assets failed: ${r.stderr}`);
});
afterAll(() => assets?.cleanup());

describe.each(BROWSERS)('in %s', (name) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch(name);
  }, 60_000);
  afterAll(() => browser?.close());

  let stack: E2eStack;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  beforeEach(async () => {
    stack = await startStack(assets.path);
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await stack.stop();
    expect(errors.splice(0)).toEqual([]);
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.createBrowserContext();
    contexts.push(context);
    return context;
  }

  type Bundle = 'api' | 'local';

  /** Opens the host page for `page` (no page: no visit) in a new tab. */
  async function open(context: BrowserContext, page?: string, bundle: Bundle = 'api') {
    const tab = await context.newPage();
    tab.setDefaultTimeout(10_000);
    tab.on('pageerror', (e) => {
      const message = String((e as Error).message ?? e);
      // Firefox reports a request to the stopped server as a page error; that is expected.
      if (!/CORS request did not succeed|can.t establish a connection/.test(message))
        errors.push(message);
    });
    await go(tab, page, bundle);
    return tab;
  }

  async function go(tab: Page, page?: string, bundle: Bundle = 'api'): Promise<void> {
    const query = new URLSearchParams(page ? {page} : {});
    if (bundle === 'local') query.set('bundle', 'local');
    await tab.goto(`${stack.host.origin}/?${query}`);
    await tab.waitForFunction(() => customElements.get('moin-trail') !== undefined);
  }

  const login = (tab: Page, who: keyof typeof E2E_USERS) =>
    tab.evaluate(
      (n, p) =>
        (
          window as unknown as {session: {login(n: string, p: string): Promise<unknown>}}
        ).session.login(n, p),
      who,
      E2E_USERS[who]
    );

  async function asBrowser(context: BrowserContext): Promise<HttpClient> {
    const client = new HttpClient(stack.api.url);
    const sid = await sessionCookie(context);
    if (sid) client.cookies.set('MOIN_SESSION', sid);
    return client;
  }

  const serverTrail = async (context: BrowserContext) =>
    (await (await asBrowser(context)).get<SessionView>('/api/session')).json.trail;

  it('two tabs agree live: a visit in one shows in the other without a reload', async () => {
    const context = await newContext();
    const a = await open(context, 'FrontPage');
    await login(a, 'Alice');
    await go(a, 'HelpIndex');
    const b = await open(context, 'WikiSandBox');
    await poll(() => trailIn(b)).toEqual(['FrontPage', 'HelpIndex', 'WikiSandBox']);
    await go(a, 'RecentChanges');
    await poll(() => trailIn(b)).toEqual([
      'FrontPage',
      'HelpIndex',
      'WikiSandBox',
      'RecentChanges',
    ]);
  });

  for (const bundle of ['api', 'local'] as const) {
    const recipe = bundle === 'api' ? 'from the session server' : 'self-hosted';
    it(`with the session server down and the bundle ${recipe}, a page load paints the trail from the mirror with its visit, which arrives exactly once later`, async () => {
      const context = await newContext();
      const tab = await open(context, 'FrontPage', bundle);
      await login(tab, 'Alice');
      await go(tab, 'HelpIndex', bundle);
      await poll(() => serverTrail(context)).toEqual(['FrontPage', 'HelpIndex']);
      await poll(() => tab.evaluate(readMirror)).toContain('"trail":["FrontPage","HelpIndex"]');
      const sid = (await sessionCookie(context))!;

      await stack.api.stop();
      // A new page load, as following a link: the module comes from the browser's cache.
      await go(tab, 'WhileDown', bundle);
      // At once: an element that paints only once the connection attempt has failed is too late.
      await expect
        .poll(() => trailIn(tab), {timeout: name === 'chromium' ? 1500 : 2500, interval: 20})
        .toEqual(['FrontPage', 'HelpIndex', 'WhileDown']);
      await poll(() => noticeIn(tab)).toBe('offline');
      const mirror = JSON.parse(await tab.evaluate(readMirror)) as [
        string,
        {pending?: {id: string}[]},
      ][];
      const opId = mirror.flatMap(([, v]) => v.pending ?? [])[0]!.id;

      const api = await stack.restartApi();
      await poll(() => noticeIn(tab)).toBe('');
      await poll(() => serverTrail(context)).toEqual(['FrontPage', 'HelpIndex', 'WhileDown']);
      await go(tab, 'Later', bundle);
      await poll(() => serverTrail(context)).toEqual([
        'FrontPage',
        'HelpIndex',
        'WhileDown',
        'Later',
      ]);
      const record = await api.service.store.get(sessionKey(sid), Date.now());
      expect(decodeOpWindow(record!.ops).filter((id) => id === opId)).toHaveLength(1);
      await poll(() => tab.evaluate(readMirror)).not.toContain(opId);
    });
  }

  it('a change of user made elsewhere shows the banner in every tab, and Return ends it everywhere', async () => {
    const context = await newContext();
    const a = await open(context, 'FrontPage');
    await login(a, 'Admin');
    const b = await open(context, 'HelpIndex');
    expect((await (await asBrowser(context)).post('/api/su', {name: 'Bob'})).status).toBe(200);
    for (const tab of [a, b]) {
      await poll(() => bannerIn(tab)).toContain('You are acting as Bob (signed in as Admin)');
    }
    expect(await clickBannerButton(b, 'Return to Admin')).toBe(true);
    for (const tab of [a, b]) await poll(() => bannerIn(tab)).toBe('');
    expect((await (await asBrowser(context)).get<SessionView>('/api/session')).json.realUser).toBe(
      null
    );
  });

  it('logout empties the trail in the other tabs and leaves no trace of it in IndexedDB', async () => {
    const context = await newContext();
    const a = await open(context, 'SecretOne');
    await login(a, 'Alice');
    await go(a, 'SecretTwo');
    const b = await open(context, 'SecretThree');
    await poll(() => trailIn(b)).toEqual(['SecretOne', 'SecretTwo', 'SecretThree']);
    await poll(() => a.evaluate(readMirror)).toContain('SecretThree');
    await a.evaluate(() =>
      (window as unknown as {session: {logout(): Promise<unknown>}}).session.logout()
    );
    await poll(() => trailIn(b)).toEqual([]);
    await poll(() => trailIn(a)).toEqual([]);
    await poll(() => b.evaluate(readMirror)).not.toMatch(/Secret/);
    expect(await a.evaluate(readMirror)).not.toMatch(/Secret|Alice/);
  });
});
