// `npm run screenshots`: starts the demo wiki (serve --demo, on a free port, with a throw-away
// store and users file), drives it in headless Chromium and writes PNGs of the demo page to docs/:
// anonymous, logged in with a trail, a superuser's change-user form, and switched (the banner); each
// state but the form in light and dark, at desktop (960 px) and phone (390 px) width.
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'moin-shots-'));
const config = join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    store: `sqlite:${join(dir, 'sessions.db')}`,
    users_file: join(dir, 'users.json'),
    log_level: 'warn',
  })
);

const server = spawn(
  process.execPath,
  ['bin/moin-session.js', 'serve', '--demo', '--port', '0', '--config', config],
  {cwd: root, stdio: ['ignore', 'pipe', 'inherit']}
);
const base = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const m = /moin-session listening on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`the demo server exited with ${code}`)));
});

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [...CHROMIUM_ARGS],
});

/** Opens a page of the demo and waits until the trail marks it as the current page. */
async function visit(page, name) {
  await page.goto(`${base}/?page=${encodeURIComponent(name)}`);
  await page.locator('moin-trail [aria-current="page"]').waitFor();
}

async function shot(page, file) {
  await page.mouse.move(0, 0);
  await page.screenshot({path: join(root, 'docs', file), fullPage: true});
  console.log(`screenshots: docs/${file}`);
}

const DESKTOP = {width: 960, height: 640};
const PHONE = {width: 390, height: 800};

/** `NAME.png`, `NAME-dark.png`, `NAME-phone.png`, `NAME-phone-dark.png`; leaves desktop light. */
async function shots(page, name) {
  for (const [size, suffix] of [
    [DESKTOP, ''],
    [PHONE, '-phone'],
  ]) {
    await page.setViewportSize(size);
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({colorScheme: scheme});
      await shot(page, `${name}${suffix}${scheme === 'dark' ? '-dark' : ''}.png`);
    }
  }
  await page.setViewportSize(DESKTOP);
  await page.emulateMedia({colorScheme: 'light'});
}

try {
  const context = await browser.newContext({viewport: DESKTOP});
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => m.type() === 'error' && console.error(`page: ${m.text()}`));

  for (const name of ['FrontPage', 'HelpOnSessions', 'WikiSandBox']) await visit(page, name);
  await shots(page, 'demo-anonymous');

  await page.getByLabel('Name').fill('Alice');
  await page.getByLabel('Password').fill('alice');
  await page.getByRole('button', {name: 'Log in'}).click();
  await page.getByText('Logged in as').waitFor();
  for (const name of [
    'FrontPage',
    'Projects/MoinSession/Design',
    'ThisIsAVeryLongPageNameForTestingTheTrail',
    'صفحة عربية',
    'RecentChanges',
  ]) {
    await visit(page, name);
  }
  await shots(page, 'demo-logged-in');

  await page.getByRole('button', {name: 'Log out'}).click();
  await page.getByLabel('Name').fill('Admin');
  await page.getByLabel('Password').fill('admin');
  await page.getByRole('button', {name: 'Log in'}).click();
  await page.getByText('Logged in as').waitFor();
  await visit(page, 'HelpIndex');
  await page.getByLabel('Act as user').fill('B');
  await page.locator('moin-su-banner datalist option').first().waitFor({state: 'attached'});
  await shot(page, 'demo-picker.png');
  await page.getByLabel('Act as user').fill('Bob');
  await page.getByRole('button', {name: 'Change user'}).click();
  await page.getByRole('region', {name: 'Change of user'}).waitFor();
  await visit(page, 'WikiSandBox');
  await page.getByRole('region', {name: 'Change of user'}).waitFor();
  await shots(page, 'demo-switched');
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dir, {recursive: true, force: true});
}
