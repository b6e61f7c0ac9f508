import type {Browser, BrowserContext, Page} from 'playwright-core';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../shared/index.js';
import {E2E_USERS, startBrokenApi, type Breakage, type E2eApi} from '../support/e2e-api.js';
import {dumpMirror, launchChromium, offlineNotice, trailOf} from '../support/e2e-browser.js';
import {startStack, type E2eStack} from '../support/e2e-stack.js';
import {HttpClient} from '../support/http-client.js';

// The client elements against the real server in Chromium (playwright-core): the page that embeds
// them is served from a second origin (allowed_origins), as a wiki would embed them. The flows
// that must hold in Firefox too (tabs, offline and back, banner, logout, the server down with the
// bundle from it or self-hosted) are in browsers.test.ts.

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

let stack: E2eStack;
let api: E2eApi;
let host: {origin: string; stop(): Promise<void>};
const contexts: BrowserContext[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  stack = await startStack();
  ({api, host} = stack);
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
  for (const f of cleanups.splice(0).reverse()) await f();
  await stack.stop();
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

/** Where the page loads the bundle from: the API (another origin) or the host (self-hosted). */
let bundle: 'api' | 'local' = 'api';
beforeEach(() => {
  bundle = 'api';
});

/** Opens the host page for `page` (no page: no visit) in a new tab of `context`. */
async function open(context: BrowserContext, page?: string): Promise<Page> {
  const tab = await context.newPage();
  tab.setDefaultTimeout(5000);
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  cleanups.push(async () => expect(errors).toEqual([]));
  await go(tab, page);
  return tab;
}

async function go(tab: Page, page?: string): Promise<void> {
  const query = new URLSearchParams(page ? {page} : {});
  if (bundle === 'local') query.set('bundle', 'local');
  await tab.goto(`${host.origin}/?${query}`);
  await tab.waitForFunction(() => customElements.get('moin-trail') !== undefined);
}

async function login(tab: Page, name: keyof typeof E2E_USERS): Promise<void> {
  await tab.evaluate(
    ([n, p]) =>
      (
        window as unknown as {session: {login(n: string, p: string): Promise<unknown>}}
      ).session.login(n, p),
    [name, E2E_USERS[name]] as const
  );
}

/** A test-side HTTP client holding the browser's session cookie. */
async function asBrowser(context: BrowserContext): Promise<HttpClient> {
  const client = new HttpClient(api.url);
  for (const c of await context.cookies(api.url)) client.cookies.set(c.name, c.value);
  return client;
}

async function serverView(context: BrowserContext): Promise<SessionView> {
  return (await (await asBrowser(context)).get<SessionView>('/api/session')).json;
}

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, {timeout: 10_000, interval: 50});

describe('another device', () => {
  it('follows live when it holds the same session', async () => {
    const laptop = await newContext();
    const a = await open(laptop, 'FrontPage');
    await login(a, 'Bob');
    const phone = await newContext();
    await phone.addCookies(await laptop.cookies(api.url));
    const p = await open(phone);
    await poll(() => trailOf(p)).toEqual(['FrontPage']);
    await go(a, 'OnTheLaptop');
    await poll(() => trailOf(p)).toEqual(['FrontPage', 'OnTheLaptop']);
  });
});

describe('a broken server', () => {
  const what: Record<Breakage, string> = {
    garbage: 'answers garbage',
    hangup: 'closes at once',
    refuse: 'refuses the upgrade',
  };
  for (const breakage of Object.keys(what) as Breakage[]) {
    it(`keeps showing the mirror, quietly offline, when it ${what[breakage]}`, async () => {
      bundle = 'local';
      const context = await newContext();
      const tab = await open(context, 'FrontPage');
      await login(tab, 'Alice');
      await go(tab, 'Kept');
      await poll(() => serverView(context).then((v) => v.trail)).toEqual(['FrontPage', 'Kept']);
      // The server's view with Kept reaches the mirror a moment after the ack.
      await poll(() => dumpMirror(tab)).toContain('"trail":["FrontPage","Kept"]');
      const view = await serverView(context);
      await api.stop();
      const broken = await startBrokenApi(api.port, breakage, view, host.origin);
      cleanups.push(() => broken.stop());
      await go(tab);
      await expect
        .poll(() => trailOf(tab), {timeout: 1000, interval: 20})
        .toEqual(['FrontPage', 'Kept']);
      await poll(() => offlineNotice(tab)).toBe('offline');
      const status = tab.locator('moin-trail [role="status"]');
      expect(await status.getAttribute('role')).toBe('status');
      // It keeps trying without losing the mirror.
      await tab.waitForTimeout(1500);
      expect(await trailOf(tab)).toEqual(['FrontPage', 'Kept']);
      expect(await offlineNotice(tab)).toBe('offline');
    });
  }
});
