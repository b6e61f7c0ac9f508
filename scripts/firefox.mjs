// Stock Firefox ESR as this project drives it: the binary (FIREFOX_PATH overrides
// /usr/bin/firefox-esr) and the preferences that undo what Puppeteer's test profile relaxes.
// Shared by the end-to-end tests and bench/client.mjs.

/** The Firefox binary to launch. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Puppeteer's profile sets the "standard" content blocking to cookieBehavior 0 (every cookie
 * allowed, no Total Cookie Protection); these are Firefox's own defaults again, so cross-origin
 * tests see the cookie rules real Firefox users have (cookieBehavior 5: third-party cookies
 * partitioned by top-level site).
 */
export const FIREFOX_PREFS = Object.freeze({
  'network.cookie.cookieBehavior': 5,
  'network.cookie.cookieBehavior.pbmode': 5,
  'browser.contentblocking.features.standard':
    '-tp,tpPrivate,cookieBehavior5,cookieBehaviorPBM5,cp,fp,stp',
});
