import {chown, writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {ConfigError} from '../../../shared/index.js';
import {readBackendToken} from '../../../server/http/backend-token.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {NOBODY, runCli} from '../../support/spawn-cli.js';
import {SECRET, writeTokenFile} from '../../support/backend-client.js';

let dir: TempDir;
afterEach(() => dir?.cleanup());

function refusal(file: string): ConfigError {
  try {
    readBackendToken(file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('readBackendToken', {timeout: 60_000}, () => {
  it('is off with null', () => {
    expect(readBackendToken(null)).toBeNull();
  });

  it('accepts a 0600 file of 32 characters and a trailing newline', async () => {
    dir = await makeTempDir('moin-token-');
    const token = readBackendToken(await writeTokenFile(dir, `${'s'.repeat(32)}\n`));
    expect(token?.matches('s'.repeat(32))).toBe(true);
    expect(token?.matches('s'.repeat(31))).toBe(false);
    expect(token?.matches('s'.repeat(33))).toBe(false);
    expect(JSON.stringify({token})).not.toContain('sss');
  });

  it('refuses a secret of 31 characters, naming the key but not the secret', async () => {
    dir = await makeTempDir('moin-token-');
    const err = refusal(await writeTokenFile(dir, `${'q'.repeat(31)}\n`));
    expect(err.key).toBe('backend_token_file');
    expect(err.message).toContain('shorter than 32 characters');
    expect(err.message).not.toContain('qqq');
  });

  it.each([0o644, 0o640, 0o604, 0o620])('refuses a file with mode %o', async (mode) => {
    dir = await makeTempDir('moin-token-');
    const err = refusal(await writeTokenFile(dir, SECRET, mode));
    expect(err.message).toContain('group and others must have no access');
    expect(err.message).not.toContain(SECRET);
  });

  it('refuses a missing file, a folder and an unreadable file', async () => {
    dir = await makeTempDir('moin-token-');
    expect(refusal(dir.file('nope')).message).toContain('cannot be read (ENOENT)');
    expect(refusal(dir.path).message).toContain('is not a regular file');
    const locked = await writeTokenFile(dir, SECRET, 0o000);
    // Root reads any file whatever its mode (and CI runs as root), so the real CLI reads it as
    // "nobody", owner of the folder and of the 0000 file.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const f of [dir.path, locked]) await chown(f, NOBODY.uid, NOBODY.gid);
    const config = dir.file('config.json');
    await writeFile(config, JSON.stringify({store: 'memory:', backend_token_file: locked}));
    const r = await runCli(
      ['serve', '--config', config, '--port', '0'],
      asRoot ? {as: NOBODY} : {}
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `moin-session: config: backend_token_file: "${locked}" cannot be read (EACCES)`
    );
    expect(r.stderr).not.toContain(SECRET);
  });
});
