import type {Browser, Page} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {launchChromium} from '../support/e2e-browser.js';
import {cliTest, type Served} from '../support/spawn-cli.js';

// The demo wiki (index.html) as `serve --demo` serves it, in headless Chromium.

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const test = cliTest();
const LONG = 'ThisIsAVeryLongPageNameForTestingTheTrail';

async function demo(): Promise<Served> {
  const dir = await test.emptyDir();
  return test.serve(['--demo', '--port', '0', '--log-level', 'warn'], dir.path);
}

async function open(served: Served, width: number, page: string, context?: Page): Promise<Page> {
  const tab = context
    ? await context.context().newPage()
    : await (await browser.newContext({viewport: {width, height: 800}})).newPage();
  tab.setDefaultTimeout(10_000);
  await tab.goto(`${served.url}/?page=${encodeURIComponent(page)}`);
  await tab.waitForFunction(() => customElements.get('moin-trail') !== undefined);
  return tab;
}

async function logIn(tab: Page, name: string, password: string): Promise<void> {
  await tab.getByLabel('Name').fill(name);
  await tab.getByLabel('Password').fill(password);
  await tab.getByRole('button', {name: 'Log in'}).click();
  await tab.locator('#user').getByText('Logged in as').waitFor();
}

const titleTop = (tab: Page) =>
  tab.evaluate(() => document.getElementById('title')!.getBoundingClientRect().top);

describe('the demo page', {timeout: 90_000}, () => {
  it.each([390, 960])('fits a long page title into %i px and does not move at login', async (w) => {
    const served = await demo();
    const tab = await open(served, w, LONG);
    await tab.locator('moin-trail [aria-current="page"]').waitFor();
    expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBe(w);
    const before = await titleTop(tab);
    await logIn(tab, 'Alice', 'alice');
    expect(await titleTop(tab)).toBe(before);
    await tab.context().close();
  });

  it('says what the trail is when it is empty, and hides that once it has a page', async () => {
    const served = await demo();
    const tab = await open(served, 960, 'NoSuchPage');
    await tab.locator('#trail-empty').waitFor();
    expect(await tab.locator('.trail').innerText()).toMatch(/^Trail:\s+empty so far: the pages/);
    await tab.goto(`${served.url}/?page=FrontPage`);
    await tab.locator('moin-trail [aria-current="page"]').waitFor();
    expect(await tab.locator('#trail-empty').isVisible()).toBe(false);
    await tab.context().close();
  });

  it('says "You were signed out" in a tab whose login ended elsewhere, not in the one that logged out', async () => {
    const served = await demo();
    const first = await open(served, 960, 'FrontPage');
    await logIn(first, 'Alice', 'alice');
    const second = await open(served, 960, 'HelpIndex', first);
    await second.locator('#user').getByText('Logged in as').waitFor();
    await second.getByRole('button', {name: 'Log out'}).click();
    await expect
      .poll(() => first.locator('#signed-out').textContent(), {timeout: 10_000})
      .toMatch(/^You were signed out/);
    await second.getByLabel('Name').waitFor();
    expect(await second.locator('#signed-out').textContent()).toBe('');
    await logIn(first, 'Alice', 'alice');
    expect(await first.locator('#signed-out').textContent()).toBe('');
    await first.context().close();
  });

  it('names the acting user once: the header shows the login, the banner the change', async () => {
    const served = await demo();
    const tab = await open(served, 960, 'FrontPage');
    await logIn(tab, 'Admin', 'admin');
    await tab.getByLabel('Act as user').fill('Bob');
    await tab.getByRole('button', {name: 'Change user'}).click();
    await tab.getByRole('region', {name: 'Change of user'}).waitFor();
    expect(await tab.locator('#user').innerText()).toMatch(/^Logged in as Admin\s+Log out$/);
    const banner = await tab.getByRole('region', {name: 'Change of user'}).innerText();
    expect(banner).toMatch(/You are acting as Bob \(signed in as Admin\)/);
    expect(await tab.locator('header').evaluate((h) => h.textContent)).not.toContain('Bob');
    expect(await tab.locator('aside').innerText()).toContain(
      'The trail belongs to the session (this browser)'
    );
    await tab.context().close();
  });
});
