import type {Browser, BrowserContext, Page} from 'playwright-core';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../shared/index.js';
import {sessionKey} from '../../server/session/ids.js';
import {
  E2E_USERS,
  seedUsers,
  startApi,
  startBrokenApi,
  type Breakage,
  type E2eApi,
} from '../support/e2e-api.js';
import {dumpMirror, launchChromium, offlineNotice, trailOf} from '../support/e2e-browser.js';
import {startHost} from '../support/e2e-host.js';
import {HttpClient} from '../support/http-client.js';
import {makeTempDir, type TempDir} from '../support/temp-dir.js';

// The client elements against the real server: the page that embeds them is served from a second
// origin (allowed_origins), as a wiki would embed them.

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

let dir: TempDir;
let api: E2eApi;
let host: {origin: string; stop(): Promise<void>};
const contexts: BrowserContext[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await makeTempDir('moin-e2e-');
  await seedUsers(dir);
  // The host needs the API's URL and the API needs the host's origin: reserve the API's port first.
  const probe = await startApi(dir, 'http://127.0.0.1:1');
  const port = probe.port;
  await probe.stop();
  host = await startHost(`http://127.0.0.1:${port}`);
  api = await startApi(dir, host.origin, port);
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
  for (const f of cleanups.splice(0).reverse()) await f();
  await api.stop().catch(() => {});
  await host.stop();
  await dir.cleanup();
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

/** Where the page loads the bundle from: the API (another origin) or, while the API is down, the host. */
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

describe('two tabs of one browser', () => {
  it('agree live: a visit in one shows in the other without a reload', async () => {
    const context = await newContext();
    const a = await open(context, 'FrontPage');
    await login(a, 'Alice');
    await go(a, 'HelpIndex');
    const b = await open(context, 'WikiSandBox');
    await poll(() => trailOf(b)).toEqual(['FrontPage', 'HelpIndex', 'WikiSandBox']);
    await go(a, 'RecentChanges');
    await poll(() => trailOf(b)).toEqual([
      'FrontPage',
      'HelpIndex',
      'WikiSandBox',
      'RecentChanges',
    ]);
    expect(await b.locator('moin-trail [aria-current="page"]').innerText()).toBe('WikiSandBox');
  });
});

describe('with the server stopped', () => {
  it('shows a visit at once from the mirror and records it exactly once after the server returns', async () => {
    bundle = 'local';
    const context = await newContext();
    const tab = await open(context, 'FrontPage');
    await login(tab, 'Alice');
    await go(tab, 'HelpIndex');
    await poll(() => serverView(context).then((v) => v.trail)).toEqual(['FrontPage', 'HelpIndex']);
    await poll(() => dumpMirror(tab)).toContain('"trail":["FrontPage","HelpIndex"]');
    const cookies = await asBrowser(context);

    await api.stop();
    await go(tab, 'WhileDown');
    // From the mirror, with no server to ask: painted as soon as IndexedDB is read.
    await expect
      .poll(() => trailOf(tab), {timeout: 1000, interval: 20})
      .toEqual(['FrontPage', 'HelpIndex', 'WhileDown']);
    await poll(() => offlineNotice(tab)).toBe('offline');
    const pending = JSON.parse(await dumpMirror(tab)) as [string, {pending?: {id: string}[]}][];
    const opId = pending.flatMap(([, v]) => v.pending ?? [])[0]!.id;

    api = await startApi(dir, host.origin, api.port);
    await poll(() => offlineNotice(tab)).toBe('');
    await poll(() => serverView(context).then((v) => v.trail)).toEqual([
      'FrontPage',
      'HelpIndex',
      'WhileDown',
    ]);
    // Later visits stay last: the offline one was not applied again after them.
    await go(tab, 'Later');
    await go(tab);
    await poll(() => serverView(context).then((v) => v.trail)).toEqual([
      'FrontPage',
      'HelpIndex',
      'WhileDown',
      'Later',
    ]);
    const sid = cookies.cookies.get('MOIN_SESSION')!;
    const record = await api.service.store.get(sessionKey(sid), Date.now());
    expect(record!.ops.filter((id) => id === opId)).toHaveLength(1);
    expect(await dumpMirror(tab)).not.toContain(opId);
  });
});

describe('a change of user made elsewhere', () => {
  it('shows the banner in every tab, and its Return button ends it everywhere', async () => {
    const context = await newContext();
    const a = await open(context, 'FrontPage');
    await login(a, 'Admin');
    const b = await open(context, 'HelpIndex');
    const client = await asBrowser(context);
    const su = await client.post('/api/su', {name: 'Bob'});
    expect(su.status).toBe(200);
    for (const tab of [a, b]) {
      const region = tab.getByRole('region', {name: 'Change of user'});
      await expect
        .poll(() => region.innerText())
        .toContain('You are acting as Bob (signed in as Admin)');
    }
    await b.getByRole('button', {name: 'Return to Admin'}).click();
    for (const tab of [a, b]) {
      await poll(() => tab.getByRole('region', {name: 'Change of user'}).count()).toBe(0);
    }
    expect((await serverView(context)).realUser).toBe(null);
  });
});

describe('logout', () => {
  it('empties the trail in the other tabs and leaves no trace of it in IndexedDB', async () => {
    const context = await newContext();
    const a = await open(context, 'SecretOne');
    await login(a, 'Alice');
    await go(a, 'SecretTwo');
    const b = await open(context, 'SecretThree');
    await poll(() => trailOf(b)).toEqual(['SecretOne', 'SecretTwo', 'SecretThree']);
    await poll(() => dumpMirror(a)).toContain('SecretThree');
    await a.evaluate(() =>
      (window as unknown as {session: {logout(): Promise<unknown>}}).session.logout()
    );
    await poll(() => trailOf(b)).toEqual([]);
    await poll(() => trailOf(a)).toEqual([]);
    await poll(() => dumpMirror(b)).not.toMatch(/Secret/);
    expect(await dumpMirror(a)).not.toMatch(/Secret|Alice/);
  });
});

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
