import {request} from 'node:http';
import {connect} from 'node:net';
import {existsSync} from 'node:fs';
import {describe, expect, it, vi} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {HttpClient} from '../../support/http-client.js';
import {cliTest, runCli} from '../../support/spawn-cli.js';

const test = cliTest();

describe('moin-session serve', {timeout: 60_000}, () => {
  it('prints the ready line with the real port for --port 0 and exits 0 on SIGTERM', async () => {
    const fx = await test.fixture();
    const served = await test.serve(['--config', fx.config, '--port', '0'], fx.dir.path);
    expect(served.readyLine).toMatch(/^moin-session listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(served.url).not.toMatch(/:0$/);
    const health = await new HttpClient(served.url).get('/healthz');
    expect(health.json).toEqual({ok: true});
    expect(await served.stop('SIGTERM')).toEqual({code: 0, signal: null});
  });

  it('exits 0 on SIGINT too', async () => {
    const fx = await test.fixture();
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    expect(await served.stop('SIGINT')).toEqual({code: 0, signal: null});
  });

  it('finishes a request that is in flight at SIGTERM and refuses new connections', async () => {
    const fx = await test.fixture({cookie_lifetime: [1, 12]});
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    const {port} = new URL(served.url);
    const body = JSON.stringify({page: 'InFlight'});
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(`${served.url}/api/trail`, {
        method: 'POST',
        headers: {'content-type': 'application/json', 'content-length': String(body.length)},
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Half the body now; the rest after SIGTERM.
      req.write(body.slice(0, 5));
      setTimeout(() => {
        served.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 300);
      }, 200);
    });
    expect(await answer).toBe(200);
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(Number(port), '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect(await served.exited).toEqual({code: 0, signal: null});
  });

  it('answers headers over 16 KiB with a JSON 431 and keeps serving', async () => {
    const fx = await test.fixture();
    const served = await test.serve(['--config', fx.config], fx.dir.path);
    const c = new HttpClient(served.url);
    const res = await c.get('/api/session', {cookie: `MOIN_SESSION=${'a'.repeat(20_000)}`});
    expect(res.status).toBe(431);
    expect(res.json).toEqual({
      error: {code: 'bad_request', message: 'The request headers are larger than 16 KiB.'},
    });
    expect((await c.get('/healthz')).status).toBe(200);
  });

  it('takes --host and --log-level', async () => {
    const fx = await test.fixture();
    const served = await test.serve(
      ['--config', fx.config, '--host', '127.0.0.1', '--log-level', 'info'],
      fx.dir.path
    );
    expect(served.readyLine).toMatch(/^moin-session listening on http:\/\/127\.0\.0\.1:\d+$/);
    await served.stop();
    expect(served.stderr()).toContain('"event":"listening"');
  });
});

describe('moin-session serve --demo', {timeout: 60_000}, () => {
  it('creates the demo users and uses the demo settings', async () => {
    const plain = await test.emptyDir();
    const served = await test.serve(['--demo', '--port', '0', '--log-level', 'warn'], plain.path);
    expect(existsSync(plain.file('data', 'users.json'))).toBe(true);
    expect(existsSync(plain.file('data', 'sessions.db'))).toBe(true);
    const c = new HttpClient(served.url);
    // cookie_lifetime [1, 12]: anonymous visitors get a cookie.
    expect((await c.get('/api/session')).setCookies).toHaveLength(1);
    for (const [name, password] of [
      ['Alice', 'alice'],
      ['Bob', 'bob'],
    ]) {
      expect((await new HttpClient(served.url).post('/api/login', {name, password})).status).toBe(
        200
      );
    }
    const admin = await c.post<SessionView>('/api/login', {name: 'Admin', password: 'admin'});
    expect(admin.json).toMatchObject({user: {name: 'Admin'}, superuser: true});
    const su = await c.post<SessionView>('/api/su', {name: 'Bob'});
    expect(su.json).toMatchObject({user: {name: 'Bob'}, realUser: {name: 'Admin'}});
  });

  it('prints the URL, the demo logins, how to stop and reset, and readable log lines', async () => {
    const plain = await test.emptyDir();
    const served = await test.serve(['--demo', '--port', '0'], plain.path);
    await vi.waitFor(() => expect(served.stdout()).toContain('resets'));
    expect(served.stdout()).toBe(
      [
        served.readyLine,
        '',
        `  The demo wiki: ${served.url}/`,
        '  Demo logins (created just now, for local use only):',
        '    Admin / admin  superuser: may act as Alice or Bob',
        '    Alice / alice',
        '    Bob   / bob',
        '  Ctrl-C stops; `rm -rf data` resets the demo.',
        '',
        '',
      ].join('\n')
    );
    const c = new HttpClient(served.url);
    await c.post('/api/login', {name: 'Alice', password: 'alice'});
    expect(await served.stop('SIGINT')).toMatchObject({code: 0});
    const lines = served.stderr().trimEnd().split('\n');
    // One line per event, `HH:MM:SS message key=value`: no JSON, no session id.
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d [a-z_]/);
    expect(lines.join('\n')).not.toContain('{"');
    expect(lines[0]).toMatch(/ demo_users: created the demo users file=\.\/data\/users\.json$/);
    expect(
      lines.find((l) =>
        / login user=Alice method=users_file session=\S{12} address=127\.0\.0\.1$/.test(l)
      )
    ).toBeDefined();
    expect(lines.at(-1)).toMatch(/ stopped$/);
  });

  it('says the logins may differ when the users file already existed', async () => {
    const plain = await test.emptyDir();
    await (await test.serve(['--demo', '--port', '0'], plain.path)).stop();
    const again = await test.serve(['--demo', '--port', '0', '--log-level', 'warn'], plain.path);
    await vi.waitFor(() => expect(again.stdout()).toContain('resets'));
    expect(again.stdout()).toContain(
      '  Demo logins (unless ./data/users.json was changed since it was created):\n'
    );
    expect(again.stderr()).toBe('');
  });

  it('leaves an existing users file alone', async () => {
    const fx = await test.fixture();
    await runCli(['users', 'add', 'Zed', '--config', fx.config], {input: 'zed-pw\n'});
    const served = await test.serve(['--demo', '--config', fx.config], fx.dir.path);
    const c = new HttpClient(served.url);
    expect((await c.post('/api/login', {name: 'Admin', password: 'admin'})).status).toBe(401);
    expect((await c.post('/api/login', {name: 'Zed', password: 'zed-pw'})).status).toBe(200);
  });
});
