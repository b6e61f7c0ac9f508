import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {
  expectOneSessionOnBoth,
  expectParallelVisitsKept,
  expectSuPushedAcross,
  nextView,
  startCluster,
  type Cluster,
} from './cluster-harness.js';

let cluster: Cluster;

beforeAll(async () => {
  // 200 visits at once on one session: no visit rate limit in the way.
  cluster = await startCluster(2, {trail_size: 5, visit_rate: 100_000, visit_burst: 100_000});
});

afterAll(async () => {
  await cluster.close();
});

const a = () => cluster.instances[0]!;
const b = () => cluster.instances[1]!;

describe('two instances on one Redis: the cookie', () => {
  it('logs in on one instance and is the same session on the other', async () => {
    await expectOneSessionOnBoth(cluster);
  });

  it('refuses on the other instance a cookie that was logged out on one', async () => {
    const cookie = await cluster.login('Alice', 0);
    expect((await a().http(cookie).post('/api/logout')).status).toBe(200);
    const r = await b().http(cookie).get<SessionView>('/api/session');
    expect(r.json.user).toBeNull();
    expect(r.json.stored).toBe(false);
  });
});

describe('two instances on one Redis: live views', () => {
  it('pushes a visit made over HTTP on one instance to a socket on the other', async () => {
    const cookie = await cluster.login('Alice', 0);
    const socket = await b().socket(cookie);
    const pushed = nextView(socket, (v) => v.trail.includes('RecentChanges'));
    await a().http(cookie).post('/api/trail', {page: 'RecentChanges'});
    expect((await pushed).user).toEqual({name: 'Alice'});
  });

  it('pushes a visit made over a socket on one instance to a socket on the other', async () => {
    const cookie = await cluster.login('Alice', 1);
    const onA = await a().socket(cookie);
    const onB = await b().socket(cookie);
    const pushed = nextView(onB, (v) => v.trail.at(-1) === 'SandBox');
    expect(await onA.visit('v-1', 'SandBox')).toEqual({type: 'ack', id: 'v-1'});
    expect((await pushed).trail).toEqual(['SandBox']);
  });

  it('pushes a change of user and the return to sockets on both instances', async () => {
    await expectSuPushedAcross(cluster);
  });

  it('gives a socket on the other instance the anonymous view at logout', async () => {
    const cookie = await cluster.login('Alice', 0);
    const onB = await b().socket(cookie);
    const ended = nextView(onB, (v) => v.user === null && !v.stored);
    await a().http(cookie).post('/api/logout');
    await ended;
    // The socket is unbound from the session: a visit is no longer recorded anywhere.
    expect(await onB.visit('after-logout', 'X')).toMatchObject({type: 'error', code: 'no_session'});
  });

  it('ends sockets on every instance when `moin-session sessions revoke` runs', async () => {
    const cookie = await cluster.login('Bob', 0);
    const onA = await a().socket(cookie);
    const onB = await b().socket(cookie);
    const endedA = nextView(onA, (v) => v.user === null);
    const endedB = nextView(onB, (v) => v.user === null);
    const dir = mkdtempSync(join(tmpdir(), 'moin-cli-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({store: cluster.redis.url}));
      const cli = spawnSync(
        process.execPath,
        ['bin/moin-session.js', 'sessions', 'revoke', '--user', 'Bob', '--config', config],
        {encoding: 'utf8'}
      );
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toContain('ended 1 session of Bob');
      expect(cli.status).toBe(0);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    await Promise.all([endedA, endedB]);
    expect((await b().http(cookie).get<SessionView>('/api/session')).json.user).toBeNull();
  });
});

describe('two instances on one Redis: parallel visits', () => {
  it('loses none of 2 × 100 parallel visits on one session, each with its own rev', async () => {
    await expectParallelVisitsKept(cluster);
  });
});
