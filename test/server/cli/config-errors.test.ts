import {cp, mkdir, writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {BIN, runCli} from '../../support/spawn-cli.js';

let dir: TempDir;
afterEach(async () => {
  await dir?.cleanup();
});

async function configWith(text: string): Promise<string> {
  dir = await makeTempDir('moin-cfg-');
  const file = dir.file('config.json');
  await writeFile(file, text);
  return file;
}

describe('bad configuration and arguments', {timeout: 60_000}, () => {
  it.each([
    [
      'a wrong type',
      '{"cookie_lifetime": "12"}',
      'config: cookie_lifetime: must be [anonymous_hours, logged_in_hours], got "12"',
    ],
    [
      'an unknown key',
      '{"cookie_lifetim": [0, 12]}',
      'config: cookie_lifetim: is not a known configuration key; did you mean cookie_lifetime?',
    ],
    ['a bad store', '{"store": "mysql://x"}', 'config: store: must be'],
    [
      'SameSite None without Secure',
      '{"cookie_samesite": "None"}',
      'config: cookie_samesite: "None" needs cookie_secure: true',
    ],
  ])('exits 2 naming the key for %s', async (_, text, message) => {
    const file = await configWith(text);
    const r = await runCli(['serve', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain(`moin-session: ${message}`);
    expect(r.stderr).toContain(`(in ${file})`);
  });

  it('exits 2 naming the file for a JSON syntax error', async () => {
    const file = await configWith('{"port": 8080,}');
    const r = await runCli(['serve', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^moin-session: config: ${file}: is not valid JSON \\(.+\\)\\n$`)
    );
  });

  it('exits 2 for a config file that does not exist', async () => {
    dir = await makeTempDir('moin-cfg-');
    const r = await runCli(['users', 'list', '--config', dir.file('nope.json')]);
    expect(r).toMatchObject({
      code: 2,
      stderr: `moin-session: config: ${dir.file('nope.json')}: cannot be read (no such file)\n`,
    });
  });

  it('exits 2 naming the users file when serve finds it malformed', async () => {
    const file = await configWith('{}');
    await writeFile(
      file,
      JSON.stringify({users_file: dir.file('u.json'), store: `sqlite:${dir.file('s.db')}`})
    );
    await writeFile(dir.file('u.json'), '{"users": {"Bob": {"hash": "plain"}}}');
    const r = await runCli(['serve', '--config', file, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `moin-session: users_file: ${dir.file('u.json')}: users["Bob"].hash is not an scrypt hash\n`
    );
  });

  it.each([
    [['serve', '--port', 'abc'], '--port: must be a whole number from 0 to 65535, got "abc"'],
    [['serve', '--port', '70000'], '--port: must be a whole number from 0 to 65535, got "70000"'],
    [['serve', '--port'], 'serve: --port needs a value'],
    [
      ['serve', '--log-level', 'loud'],
      '--log-level: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    ],
    [['serve', '--verbose'], 'serve: unknown option --verbose'],
    [['serve', 'extra'], 'serve: unexpected argument "extra"'],
    [['frobnicate'], 'unknown command "frobnicate"; run moin-session --help'],
  ])('%j exits 2 with one line', async (args, message) => {
    const r = await runCli(args);
    expect(r).toMatchObject({code: 2, stdout: '', stderr: `moin-session: ${message}\n`});
  });

  it('exits 1 with one line when the port is taken', async () => {
    const {createServer} = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as {port: number}).port;
    dir = await makeTempDir('moin-cfg-');
    try {
      const r = await runCli(['serve', '--port', String(port), '--log-level', 'silent'], {
        cwd: dir.path,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `moin-session: serve: cannot listen on 127.0.0.1:${port}: the address is in use\n`
      );
    } finally {
      blocker.close();
    }
  });
});

describe('help', {timeout: 60_000}, () => {
  it('prints usage on --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('moin-session serve [--config FILE]');
    expect(r.stdout).toContain('moin-session sessions revoke --user NAME');
  });

  it('prints usage on stderr and exits 2 without a command', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });

  it('prints per-command help', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--demo');
  });
});

describe('bin/moin-session.js without a build', {timeout: 60_000}, () => {
  it('says to run npm run build first', async () => {
    dir = await makeTempDir('moin-nobuild-');
    await mkdir(dir.file('bin'));
    await cp(BIN, dir.file('bin', 'moin-session.js'));
    await writeFile(dir.file('package.json'), '{"type": "module"}');
    const {spawnSync} = await import('node:child_process');
    const r = spawnSync(process.execPath, [dir.file('bin', 'moin-session.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('moin-session: run `npm run build` first\n');
  });
});
