import {spawn, spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {writeTokenFile} from '../support/backend-client.js';
import {startService, type TestService} from '../support/test-service.js';
import {makeTempDir, type TempDir} from '../support/temp-dir.js';

const KIT = fileURLToPath(new URL('../../integrations/moin19', import.meta.url));

let t: TestService | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await t?.close();
  await dir?.cleanup();
});

function runPython(env: Record<string, string>): Promise<{code: number | null; out: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-m', 'unittest', 'discover', '-v', '-s', 'tests'], {
      cwd: KIT,
      env: {...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({code, out}));
  });
}

describe('integrations/moin19 (the MoinMoin 1.9 kit) under python3', {timeout: 120_000}, () => {
  it('passes its unittest suite against a real moin-session server', async () => {
    const which = spawnSync('python3', ['--version']);
    if (which.error || which.status !== 0) {
      throw new Error(
        'python3 is missing: install it (apt-get install python3); this test does not skip'
      );
    }
    dir = await makeTempDir('moin-kit-');
    const token = await writeTokenFile(dir);
    t = await startService(
      {cookie_lifetime: [1, 12], backend_token_file: token},
      {realClock: true}
    );
    const r = await runPython({MOIN_SESSION_URL: t.url, MOIN_SESSION_TOKEN_FILE: token});
    expect(r.out).toMatch(/Ran \d+ tests/);
    expect(r.code, r.out).toBe(0);
  });
});
