import {mkdir} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import {SqliteStore} from '../../../server/store/sqlite-store.js';
import {HttpClient} from '../../support/http-client.js';
import {fillSessions} from '../../support/fill-sessions.js';
import {sessionRecord} from '../../support/session-record.js';
import {moinHashes, moinId, moinUserText, writeMoinUser} from '../../support/moin-fixtures.js';
import {cliTest, runCli, type CliFixture} from '../../support/spawn-cli.js';

const test = cliTest();
let fx: CliFixture;

const cli = (...args: string[]) => runCli([...args, '--config', fx.config]);

async function withUsers(): Promise<void> {
  for (const [name, pw] of [
    ['Admin', 'admin-pw'],
    ['Alice', 'alice-pw'],
    ['Bob', 'bob-pw'],
  ]) {
    await runCli(['users', 'add', name!, '--config', fx.config], {input: `${pw}\n`});
  }
}

describe('moin-session sessions', {timeout: 60_000}, () => {
  it('lists live sessions by reference, never by id, optionally for one user', async () => {
    fx = await test.fixture({superuser: ['Admin']});
    await withUsers();
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    const alice = new HttpClient(served.url);
    await alice.post('/api/login', {name: 'Alice', password: 'alice-pw'});
    await alice.post('/api/trail', {page: 'FrontPage'});
    const admin = new HttpClient(served.url);
    await admin.post('/api/login', {name: 'Admin', password: 'admin-pw'});
    await admin.post('/api/su', {name: 'Bob'});
    const sid = alice.cookies.get('MOIN_SESSION')!;

    const all = await cli('sessions', 'list');
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REF\s+USER\s+ACTING-AS\s+TRAIL\s+CREATED\s+EXPIRES$/);
    expect(lines.at(-1)).toBe('2 sessions');
    expect(all.stdout).toMatch(
      new RegExp(`^${escape(sessionKey(sid).slice(0, 12))}\\s+Alice\\s+-\\s+1\\s`, 'm')
    );
    expect(all.stdout).toMatch(/\sAdmin\s+Bob\s+0\s/);
    expect(all.stdout).not.toContain(sid);
    expect(all.stdout).not.toContain(sessionKey(sid));
    expect(all.stdout).not.toContain(admin.cookies.get('MOIN_SESSION')!);

    const mine = await cli('sessions', 'list', '--user', 'Alice');
    expect(mine.stdout).toContain('1 session\n');
    expect(mine.stdout).not.toContain('Admin');
  });

  it('revokes a user’s sessions while the server runs: the next request is anonymous', async () => {
    fx = await test.fixture();
    await withUsers();
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    const a1 = new HttpClient(served.url);
    const a2 = new HttpClient(served.url);
    const bob = new HttpClient(served.url);
    await a1.post('/api/login', {name: 'Alice', password: 'alice-pw'});
    await a2.post('/api/login', {name: 'Alice', password: 'alice-pw'});
    await bob.post('/api/login', {name: 'Bob', password: 'bob-pw'});
    const r = await cli('sessions', 'revoke', '--user', 'Alice');
    expect(r).toMatchObject({code: 0, stdout: 'ended 2 sessions of Alice\n', stderr: ''});
    const next = await a1.get<SessionView>('/api/session');
    expect(next.json.user).toBeNull();
    expect(next.setCookies.join()).toMatch(/Max-Age=0/);
    expect((await a2.get<SessionView>('/api/session')).json.user).toBeNull();
    expect((await bob.get<SessionView>('/api/session')).json.user).toEqual({name: 'Bob'});
  });

  it('purges expired sessions', async () => {
    fx = await test.fixture();
    const store = new SqliteStore(fx.dbFile, {purgeIntervalMs: 0, pollIntervalMs: 0});
    const now = Date.now();
    await store.insert(sessionRecord(sessionKey('expired-1'), {expiresAt: now - 60_000}, now));
    await store.insert(sessionRecord(sessionKey('expired-2'), {expiresAt: now - 1}, now));
    await store.insert(sessionRecord(sessionKey('live'), {}, now));
    await store.close();
    expect((await cli('sessions', 'purge')).stdout).toBe('removed 2 expired sessions\n');
    expect((await cli('sessions', 'purge')).stdout).toBe('removed 0 expired sessions\n');
    expect((await cli('sessions', 'list')).stdout).toContain('1 session\n');
  });

  it(
    'lists 200,000 sessions, streaming, without a stack overflow',
    {timeout: 180_000},
    async () => {
      fx = await test.fixture();
      await fillSessions(fx.dbFile, 200_000, {user: 'Alice'});
      const r = await cli('sessions', 'list');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(200_002);
      expect(lines[0]).toMatch(/^REF\s+USER\s+ACTING-AS\s+TRAIL\s+CREATED\s+EXPIRES$/);
      expect(lines[1]).toMatch(/^fill-0\s+Alice\s+-\s+0\s/);
      expect(lines[200_000]).toMatch(/^fill-199999\s+Alice\s/);
      expect(lines.at(-1)).toBe('200000 sessions');
    }
  );

  it(
    'purges 200,000 expired sessions while the server keeps answering within 500 ms',
    {timeout: 180_000},
    async () => {
      // Visits as fast as the server answers: past the default per-session visit budget.
      fx = await test.fixture({visit_rate: 100_000, visit_burst: 100_000});
      await withUsers();
      await fillSessions(fx.dbFile, 200_000, {expiresAt: Date.now() - 1});
      const served = await test.serve(['--config', fx.config], fx.dir.path);
      const alice = new HttpClient(served.url);
      await alice.post('/api/login', {name: 'Alice', password: 'alice-pw'});
      let done = false;
      const purge = cli('sessions', 'purge').finally(() => (done = true));
      const waits: number[] = [];
      let visits = 0;
      while (!done) {
        const started = performance.now();
        const [health, visit] = await Promise.all([
          fetch(`${served.url}/healthz`),
          alice.post('/api/trail', {page: `Page${visits}`}),
        ]);
        waits.push(performance.now() - started);
        expect([health.status, visit.status]).toEqual([200, 200]);
        visits++;
      }
      const r = await purge;
      expect(r).toMatchObject({code: 0, stderr: ''});
      expect(r.stdout).toMatch(/^removed \d+ expired sessions?\n$/);
      expect(visits).toBeGreaterThan(3);
      expect(Math.max(...waits)).toBeLessThan(500);
      expect((await cli('sessions', 'list')).stdout).toContain('\n1 session\n');
    }
  );

  it.each([
    [['sessions', 'revoke'], 'sessions revoke: --user NAME is required'],
    [['sessions', 'list', '--user', ''], '--user: The user name is empty.'],
    [['sessions', 'purge', '--user', 'X'], 'sessions purge: unknown option --user'],
    [['sessions', 'drop'], 'sessions: unknown action "drop"; use list, revoke, purge'],
  ])('%j exits 2 with one line', async (args, message) => {
    fx = await test.fixture();
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`moin-session: ${message}\n`);
  });

  it.each([['revoke'], ['list']])(
    'sessions %s --user of an unknown user exits 1, as users remove does',
    async (action) => {
      fx = await test.fixture();
      await withUsers();
      const r = await cli('sessions', action, '--user', 'Nobody');
      expect(r).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `moin-session: sessions ${action}: there is no user named "Nobody".\n`,
      });
      const remove = await cli('users', 'remove', 'Nobody');
      expect(remove.code).toBe(1);
      expect(remove.stderr).toBe('moin-session: users remove: there is no user named "Nobody".\n');
    }
  );

  it('still revokes the lingering sessions of a user removed from the users file', async () => {
    fx = await test.fixture();
    const store = new SqliteStore(fx.dbFile);
    await store.insert(sessionRecord(sessionKey('gone'), {user: 'Gone'}));
    await store.close();
    expect((await cli('sessions', 'list', '--user', 'Gone')).stdout).toContain('1 session\n');
    expect(await cli('sessions', 'revoke', '--user', 'Gone')).toMatchObject({
      code: 0,
      stdout: 'ended 1 session of Gone\n',
    });
    expect((await cli('sessions', 'revoke', '--user', 'Gone')).code).toBe(1);
  });

  it('takes --user of an account only the wiki’s user_dir (auth: moin) knows', async () => {
    const wikiDir = await test.emptyDir();
    const userDir = wikiDir.file('data', 'user');
    await mkdir(userDir, {recursive: true});
    const [enc] = moinHashes([['{SSHA}', 'wiki-pw']]);
    writeMoinUser(
      userDir,
      moinId(1),
      moinUserText(moinId(1), {name: 'WikiUser', enc_password: enc!})
    );
    fx = await test.fixture({auth: [{method: 'moin', user_dir: userDir}, {method: 'users_file'}]});
    const store = new SqliteStore(fx.dbFile);
    await store.insert(sessionRecord(sessionKey('wiki'), {user: 'WikiUser'}));
    await store.close();
    expect(await cli('sessions', 'revoke', '--user', 'WikiUser')).toMatchObject({
      code: 0,
      stdout: 'ended 1 session of WikiUser\n',
      stderr: '',
    });
    // With no session left, the name is still a user, not a typo.
    expect(await cli('sessions', 'revoke', '--user', 'WikiUser')).toMatchObject({
      code: 0,
      stdout: 'ended 0 sessions of WikiUser\n',
      stderr: '',
    });
    const list = await cli('sessions', 'list', '--user', 'WikiUser');
    expect(list).toMatchObject({code: 0, stderr: ''});
    expect(list.stdout).toMatch(/\n0 sessions\n$/);
    expect((await cli('sessions', 'revoke', '--user', 'Nobody')).code).toBe(1);
  });

  it('refuses the memory store, which only a server process can see', async () => {
    fx = await test.fixture({store: 'memory:'});
    const r = await cli('sessions', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the store is "memory:"');
  });
});

describe('moin-session audit', {timeout: 60_000}, () => {
  it('prints one line per change-user record: time, action, actor → target, address, method', async () => {
    fx = await test.fixture({superuser: ['Admin']});
    await withUsers();
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    const admin = new HttpClient(served.url);
    await admin.post('/api/login', {name: 'Admin', password: 'admin-pw'});
    await admin.post('/api/su', {name: 'Bob'});
    await admin.delete('/api/su');
    await admin.post('/api/su', {name: 'Alice'});
    await admin.post('/api/logout');
    const r = await cli('audit');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const shape = (action: string, target: string) =>
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${action} Admin → ${target} 127\\.0\\.0\\.1 session=[A-Za-z0-9_-]{12} method=users_file$`
      );
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(shape('su_start', 'Bob'));
    expect(lines[1]).toMatch(shape('su_return', 'Bob'));
    expect(lines[2]).toMatch(shape('su_start', 'Alice'));
    expect(lines[3]).toMatch(shape('su_end_logout', 'Alice'));
  });

  it('prints nothing for an empty log', async () => {
    fx = await test.fixture();
    expect(await cli('audit')).toMatchObject({code: 0, stdout: '', stderr: ''});
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
