// Headless Debian Chromium as this project runs it: the binary (CHROMIUM_PATH
// overrides /usr/bin/chromium) and the flags a container without a sandbox or GPU needs.
// Shared by scripts/screenshots.mjs and the end-to-end tests.

/** The Chromium binary to launch. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The launch flags. */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);
