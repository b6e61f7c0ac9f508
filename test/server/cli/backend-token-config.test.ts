import {writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {SECRET, writeTokenFile} from '../../support/backend-client.js';
import {runCli} from '../../support/spawn-cli.js';

let dir: TempDir;
afterEach(() => dir?.cleanup());

describe('serve with backend_token_file', {timeout: 60_000}, () => {
  it.each([
    ['a short secret', 'short-secret\n', 0o600, 'shorter than 32 characters'],
    ['a world-readable file', `${SECRET}\n`, 0o644, 'has mode 644'],
  ])('exits 2 naming the key for %s', async (_, text, mode, message) => {
    dir = await makeTempDir('moin-cfg-');
    const token = await writeTokenFile(dir, text, mode);
    const config = dir.file('config.json');
    await writeFile(config, JSON.stringify({store: 'memory:', backend_token_file: token}));
    const r = await runCli(['serve', '--config', config, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('moin-session: config: backend_token_file:');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain(SECRET);
  });
});
