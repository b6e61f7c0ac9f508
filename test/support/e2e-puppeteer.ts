import {existsSync} from 'node:fs';
import puppeteer, {type Browser, type BrowserContext, type Page} from 'puppeteer-core';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../../scripts/chromium.mjs';
import {FIREFOX_PATH, FIREFOX_PREFS} from '../../scripts/firefox.mjs';

/** The browsers the cross-browser end-to-end tests run in. */
export const BROWSERS = ['chromium', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];

/**
 * Debian Chromium (over CDP) or stock Firefox ESR (over WebDriver BiDi), headless, through
 * puppeteer-core: nothing is downloaded. Firefox keeps its default cookie protection.
 */
export function launch(name: BrowserName): Promise<Browser> {
  if (name === 'chromium') {
    return puppeteer.launch({
      browser: 'chrome',
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
  }
  if (!existsSync(FIREFOX_PATH))
    throw new Error(`Firefox not found at ${FIREFOX_PATH}: apt-get install firefox-esr`);
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: {...FIREFOX_PREFS},
  });
}

/** The page names the trail shows, oldest first. */
export function trailIn(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('moin-trail')?.shadowRoot;
    return [...(root?.querySelectorAll('a') ?? [])].map(
      (a) => a.getAttribute('title') ?? a.textContent ?? ''
    );
  });
}

/** The trail's offline notice ('' while online). */
export function noticeIn(page: Page): Promise<string> {
  return page.evaluate(() => {
    const s = document.querySelector('moin-trail')?.shadowRoot?.querySelector('[role="status"]');
    return (s?.textContent ?? '').trim();
  });
}

/** The change-user banner's text ('' while hidden). */
export function bannerIn(page: Page): Promise<string> {
  return page.evaluate(() => {
    const r = document
      .querySelector('moin-su-banner')
      ?.shadowRoot?.querySelector('[part~="banner"]');
    return (r?.textContent ?? '').replace(/\s+/g, ' ').trim();
  });
}

/** Clicks the banner's button whose text is `label`; false if there is none. */
export function clickBannerButton(page: Page, label: string): Promise<boolean> {
  return page.evaluate((text) => {
    const root = document.querySelector('moin-su-banner')?.shadowRoot;
    const button = [...(root?.querySelectorAll('button') ?? [])].find(
      (b) => b.textContent?.trim() === text
    );
    button?.click();
    return button !== undefined;
  }, label);
}

/** The browser's session cookie for loopback (host-only cookies ignore the port). */
export async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  const cookies = await context.cookies();
  return cookies.find((c) => c.name === 'MOIN_SESSION' && c.domain.includes('127.0.0.1'))?.value;
}
