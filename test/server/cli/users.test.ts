import {readFile, stat, writeFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {HttpClient} from '../../support/http-client.js';
import {SyncClient} from '../../support/sync-harness.js';
import {cliTest, runCli, type CliFixture} from '../../support/spawn-cli.js';

const test = cliTest();
let fx: CliFixture;

const users =
  (fixture: CliFixture, ...args: string[]) =>
  (input?: string) =>
    runCli(['users', ...args, '--config', fixture.config], input === undefined ? {} : {input});

describe('moin-session users', {timeout: 60_000}, () => {
  it('adds a user from one line of stdin, with a hash in a 0600 file', async () => {
    fx = await test.fixture({superuser: ['Admin']});
    const r = await users(fx, 'add', 'Alice')('s3cret pass\nignored second line\n');
    expect(r).toMatchObject({code: 0, stdout: 'added Alice\n', stderr: ''});
    const text = await readFile(fx.usersFile, 'utf8');
    expect(text).toContain('"Alice"');
    expect(text).not.toContain('s3cret');
    expect((await stat(fx.usersFile)).mode & 0o777).toBe(0o600);
    await users(fx, 'add', 'Admin')('pw\n');
    const list = await users(fx, 'list')();
    expect(list.stdout).toBe('Admin  enabled   superuser\nAlice  enabled\n');
  });

  it('disables, enables, changes the password and removes', async () => {
    fx = await test.fixture();
    await users(fx, 'add', 'Bob')('one\n');
    expect((await users(fx, 'disable', 'Bob')()).stdout).toBe(
      'disabled Bob\nended 0 sessions of Bob\n'
    );
    expect((await users(fx, 'list')()).stdout).toBe('Bob   disabled\n');
    expect((await users(fx, 'enable', 'Bob')()).stdout).toBe('enabled Bob\n');
    const passwd = await users(fx, 'passwd', 'Bob')('two\n');
    expect(passwd.code).toBe(0);
    expect(passwd.stdout).toContain('changed the password of Bob\n');
    expect((await users(fx, 'remove', 'Bob')()).stdout).toBe(
      'removed Bob\nended 0 sessions of Bob\n'
    );
    expect((await users(fx, 'list')()).stdout).toBe(`(no users in ${fx.usersFile})\n`);
  });

  it.each([
    [['add', 'A/B'], 'pw\n', 2, 'users add: the user name must not contain "/".'],
    [['add', 'Alice'], '', 2, 'password: stdin gave no password (send one line)'],
    [['add'], 'pw\n', 2, 'users add: missing NAME'],
    [['add', 'A', 'B'], 'pw\n', 2, 'users add: unexpected argument "B"'],
    [['remove', 'Nobody'], undefined, 1, 'users remove: there is no user named "Nobody".'],
    [['disable', 'Nobody'], undefined, 1, 'users disable: there is no user named "Nobody".'],
    [['frobnicate', 'X'], undefined, 2, 'users: unknown action "frobnicate"'],
  ])('users %j exits with one clear line', async (args, input, code, message) => {
    fx = await test.fixture();
    const r = await users(fx, ...(args as string[]))(input as string | undefined);
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('marks Admin as superuser under --demo, as serve --demo treats it', async () => {
    fx = await test.fixture();
    await users(fx, 'add', 'Admin')('pw\n');
    expect((await users(fx, 'list')()).stdout).toBe('Admin  enabled\n');
    expect((await users(fx, 'list', '--demo')()).stdout).toBe('Admin  enabled   superuser\n');
  });

  it('exits 1 for a duplicate name', async () => {
    fx = await test.fixture();
    await users(fx, 'add', 'Alice')('a\n');
    const r = await users(fx, 'add', 'Alice')('b\n');
    expect(r).toMatchObject({
      code: 1,
      stderr: 'moin-session: users add: there is already a user named "Alice".\n',
    });
  });

  it('exits 2 naming the users file when it is malformed', async () => {
    fx = await test.fixture();
    await users(fx, 'add', 'Alice')('a\n');
    await writeFile(fx.usersFile, '{"users": [');
    const r = await users(fx, 'list')();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^moin-session: users_file: ${fx.usersFile}: is not valid JSON`)
    );
  });

  it('takes effect on a running server at its next request', async () => {
    fx = await test.fixture();
    await users(fx, 'add', 'Alice')('alice-pw\n');
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    const c = new HttpClient(served.url);
    expect((await c.post('/api/login', {name: 'Alice', password: 'alice-pw'})).status).toBe(200);
    await users(fx, 'disable', 'Alice')();
    expect((await c.get<SessionView>('/api/session')).json.user).toBeNull();
    expect((await c.post('/api/login', {name: 'Alice', password: 'alice-pw'})).status).toBe(401);
    await users(fx, 'enable', 'Alice')();
    await users(fx, 'add', 'Dora')('dora-pw\n');
    expect((await c.post('/api/login', {name: 'Dora', password: 'dora-pw'})).status).toBe(200);
  });

  it('ends every session of a user whose password changes', async () => {
    const browsers = await aliceOnTwoBrowsers('old');
    const r = await users(fx, 'passwd', 'Alice')('new\n');
    expect(r.stdout).toBe('changed the password of Alice\nended 2 sessions of Alice\n');
    await expectAnonymous(browsers);
  });

  // issue 10b: the server learns of a changed users file only at a session's next request, so
  // the CLI ends the sessions in the store itself, at once.
  it('disable ends the sessions at once: enabling again does not bring the old cookies back', async () => {
    const browsers = await aliceOnTwoBrowsers('alice-pw');
    const socket = await openSync(browsers[0]!);
    expect((await users(fx, 'disable', 'Alice')()).stdout).toBe(
      'disabled Alice\nended 2 sessions of Alice\n'
    );
    await expectAnonymousPush(socket);
    await users(fx, 'enable', 'Alice')();
    await expectAnonymous(browsers);
  });

  it('remove ends the sessions at once: a new user of the same name does not inherit them', async () => {
    const browsers = await aliceOnTwoBrowsers('first-alice');
    const socket = await openSync(browsers[0]!);
    expect((await users(fx, 'remove', 'Alice')()).stdout).toBe(
      'removed Alice\nended 2 sessions of Alice\n'
    );
    await expectAnonymousPush(socket);
    await users(fx, 'add', 'Alice')('second-alice\n');
    await expectAnonymous(browsers);
  });
});

/** A served fixture with user Alice logged in (remembered) from two browsers at once. */
async function aliceOnTwoBrowsers(password: string): Promise<HttpClient[]> {
  // The heartbeat re-validates sessions too: an hour's interval leaves only the CLI's own change
  // to push the anonymous view within the few seconds a test waits.
  fx = await test.fixture({ping_interval_seconds: 3600});
  await users(fx, 'add', 'Alice')(`${password}\n`);
  const served = await test.serve(['--config', fx.config], fx.dir.path);
  const browsers = [new HttpClient(served.url), new HttpClient(served.url)];
  const logins = await Promise.all(
    browsers.map((c) => c.post('/api/login', {name: 'Alice', password, remember_me: true}))
  );
  expect(logins.map((r) => r.status)).toEqual([200, 200]);
  return browsers;
}

/** Opens `/api/sync` with a browser's cookie and waits until it shows Alice logged in. */
async function openSync(browser: HttpClient): Promise<SyncClient> {
  const socket = await SyncClient.open(browser.baseUrl.replace(/^http/, 'ws') + '/api/sync', {
    origin: browser.origin,
    headers: {cookie: browser.cookieHeader()},
  });
  await socket.view((v) => v.user?.name === 'Alice');
  return socket;
}

/** The open socket is pushed the anonymous view within ~3 s, without a request of its own. */
async function expectAnonymousPush(socket: SyncClient): Promise<void> {
  try {
    expect((await socket.view((v) => v.user === null, 3000)).user).toBeNull();
  } finally {
    socket.ws.terminate();
  }
}

async function expectAnonymous(browsers: HttpClient[]): Promise<void> {
  for (const c of browsers) expect((await c.get<SessionView>('/api/session')).json.user).toBeNull();
}
