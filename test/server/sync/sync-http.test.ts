import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {SqliteStore} from '../../../server/store/sqlite-store.js';
import {HttpClient} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {startHarness, USERS, type Harness} from '../../support/sync-harness.js';

const BIN = fileURLToPath(new URL('../../../bin/moin-session.js', import.meta.url));

let h: Harness;
let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('moin-sync-http-');
  h = await startHarness({store: `sqlite:${dir.file('sessions.db')}`});
});
afterEach(async () => {
  await h.close();
  await dir.cleanup();
});

/** A browser: logs in over HTTP and keeps its cookie. */
async function browserLogin(name: keyof typeof USERS): Promise<HttpClient> {
  const http = new HttpClient(h.url);
  const r = await http.post('/api/login', {name, password: USERS[name].password});
  expect(r.status).toBe(200);
  return http;
}

describe('sync over HTTP changes (SQLite store)', () => {
  it('pushes a visit recorded with POST /api/trail to the open sockets', async () => {
    const http = await browserLogin('Bob');
    const c = await h.connect(http.cookieHeader());
    expect((await c.view()).user).toEqual({name: 'Bob'});
    expect((await http.post('/api/trail', {page: 'ViaHttp'})).status).toBe(200);
    expect((await c.view((v) => v.trail.length === 1)).trail).toEqual(['ViaHttp']);
  });

  it('pushes the anonymous view to every socket on POST /api/logout', async () => {
    const http = await browserLogin('Bob');
    const a = await h.connect(http.cookieHeader());
    const b = await h.connect(http.cookieHeader());
    await a.view();
    await b.view();
    expect((await http.post('/api/logout')).status).toBe(200);
    for (const c of [a, b]) {
      expect(await c.view((v) => !v.stored)).toMatchObject({user: null, stored: false});
    }
    expect(await a.visit('after-logout', 'X')).toMatchObject({type: 'error', code: 'no_session'});
  });

  it('pushes change user and its return made over HTTP', async () => {
    const http = await browserLogin('Admin');
    const c = await h.connect(http.cookieHeader());
    await c.view();
    expect((await http.post('/api/su', {name: 'Bob'})).status).toBe(200);
    expect(await c.view((v) => v.realUser !== null)).toMatchObject({
      user: {name: 'Bob'},
      realUser: {name: 'Admin'},
    });
    expect((await http.delete('/api/su')).status).toBe(200);
    expect(await c.view((v) => v.realUser === null && c.views().length > 2)).toMatchObject({
      user: {name: 'Admin'},
    });
  });

  it('pushes a revocation made through a second store on the same SQLite file', async () => {
    const bob = await browserLogin('Bob');
    const carol = await browserLogin('Carol');
    const b = await h.connect(bob.cookieHeader());
    const c = await h.connect(carol.cookieHeader());
    await b.view();
    await c.view();
    const cli = new SqliteStore(dir.file('sessions.db'));
    try {
      expect(await cli.revokeUser('Bob')).toHaveLength(1);
    } finally {
      await cli.close();
    }
    expect(await b.view((v) => !v.stored)).toMatchObject({user: null});
    await c.roundTrip();
    expect(c.latest()).toMatchObject({user: {name: 'Carol'}, stored: true});
  });

  it('pushes a revocation made by the moin-session CLI in another process', async () => {
    const http = await browserLogin('Bob');
    const c = await h.connect(http.cookieHeader());
    await c.view();
    const configFile = dir.file('config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        store: `sqlite:${dir.file('sessions.db')}`,
        users_file: dir.file('users.json'),
      })
    );
    const r = spawnSync(
      process.execPath,
      [BIN, 'sessions', 'revoke', '--user', 'Bob', '--config', configFile],
      {
        encoding: 'utf8',
      }
    );
    expect(r.status, r.stderr).toBe(0);
    expect(await c.view((v) => !v.stored)).toMatchObject({user: null});
  });
});
