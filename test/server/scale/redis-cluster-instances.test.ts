import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import type {RedisStore} from '../../../server/store/redis-store.js';
import {startRedisCluster, type RedisClusterSet} from '../../support/redis-cluster.js';
import {
  expectOneSessionOnBoth,
  expectParallelVisitsKept,
  expectSuPushedAcross,
  nextView,
  startFarm,
  type Farm,
} from './cluster-harness.js';

// Two instances on a Redis Cluster (3 masters + 3 replicas), as behind a load balancer.

let cluster: RedisClusterSet;
let farm: Farm;

beforeAll(async () => {
  cluster = await startRedisCluster();
  // 200 visits at once on one session: no visit rate limit in the way.
  farm = await startFarm(2, cluster.url, {
    trail_size: 5,
    visit_rate: 100_000,
    visit_burst: 100_000,
  });
}, 60_000);

afterAll(async () => {
  await farm?.close();
  await cluster?.stop();
});

const a = () => farm.instances[0]!;
const b = () => farm.instances[1]!;
const keyOf = (cookie: string) => sessionKey(cookie.split('=')[1]!);
const recordKey = (cookie: string) => (a().service.store as RedisStore).recordKey(keyOf(cookie));

describe('two instances on a Redis Cluster', () => {
  it('logs in on one instance and is the same session on the other', async () => {
    await expectOneSessionOnBoth(farm);
  });

  it('pushes a visit made on one instance to a socket on the other', async () => {
    const cookie = await farm.login('Alice', 1);
    const onB = await b().socket(cookie);
    const pushed = nextView(onB, (v) => v.trail.at(-1) === 'SandBox');
    const onA = await a().socket(cookie);
    expect(await onA.visit('v-1', 'SandBox')).toEqual({type: 'ack', id: 'v-1'});
    expect((await pushed).trail).toEqual(['SandBox']);
  });

  it('pushes a change of user and the return to sockets on both instances', async () => {
    await expectSuPushedAcross(farm);
  });

  it('ends sessions of one user on every master when `moin-session sessions revoke` runs', async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 12; i++) cookies.push(await farm.login('Bob', i % 2));
    // The sessions live in several slots on several masters.
    const slots = new Set(await Promise.all(cookies.map((c) => cluster.slotOf(recordKey(c)))));
    expect(slots.size).toBeGreaterThan(1);
    expect((await cluster.keysPerMaster(cookies.map(recordKey))).size).toBeGreaterThan(1);
    const sockets = await Promise.all(cookies.map((c, i) => farm.instances[i % 2]!.socket(c)));
    const ended = sockets.map((s) => nextView(s, (v) => v.user === null, 10_000));
    const dir = mkdtempSync(join(tmpdir(), 'moin-cli-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({store: cluster.url}));
      const cli = spawnSync(
        process.execPath,
        ['bin/moin-session.js', 'sessions', 'revoke', '--user', 'Bob', '--config', config],
        {encoding: 'utf8'}
      );
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toContain('ended 12 sessions of Bob');
      expect(cli.status).toBe(0);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    await Promise.all(ended);
    for (const [i, c] of cookies.entries()) {
      const r = await farm.instances[i % 2]!.http(c).get<SessionView>('/api/session');
      expect(r.json.user).toBeNull();
    }
  });

  it('loses none of 2 × 100 parallel visits on one session, each with its own rev', async () => {
    await expectParallelVisitsKept(farm);
  });
});
