import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {FIREFOX_PATH} from '../../scripts/firefox.mjs';

/**
 * Builds dist/ once before the node tests: CLI tests spawn `bin/moin-session.js` and the end-to-end
 * tests load the real client bundle. Missing Chromium, Firefox ESR or redis-server fails the run
 * here, loudly.
 */
export default function setup(): void {
  const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(chromium))
    throw new Error(`Chromium not found at ${chromium}: apt-get install chromium`);
  if (!existsSync(FIREFOX_PATH))
    throw new Error(`Firefox ESR not found at ${FIREFOX_PATH}: apt-get install firefox-esr`);
  if (spawnSync('which', ['redis-server']).status !== 0) {
    throw new Error('redis-server not found on PATH: apt-get install redis-server');
  }
  if (process.env['MOIN_SKIP_BUILD'] === '1' && existsSync('dist/server/cli/main.js')) return;
  const r = spawnSync('node', ['scripts/build.mjs'], {stdio: 'inherit'});
  if (r.status !== 0) throw new Error('build failed; see above');
}
