import {WebSocket} from 'ws';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import type {RedisStore} from '../../../server/store/redis-store.js';
import type {RedisServer} from '../../support/redis-server.js';
import {startRedisCluster, type RedisClusterSet} from '../../support/redis-cluster.js';
import type {SyncClient} from '../../support/sync-harness.js';
import {nextView, startFarm, untilVisitAnswers, type Farm} from './cluster-harness.js';

// One scenario in steps (each `it` builds on the one before): two instances on a Redis Cluster
// (3 masters + 3 replicas); the master of one session's slot is SIGKILLed and its replica is
// promoted. Sessions of other slots keep working all along; the session of the failed slot
// answers 503 store_unavailable in the gap, never as anonymous, and recovers by itself (its
// scripts are reloaded on the promoted replica, whose script cache is empty). The killed node is
// also where the instances' subscribers were: they move to another node and resync.

let cluster: RedisClusterSet;
let farm: Farm;
/** A session whose slot's master is killed, and one on another master. */
let failing = '';
let steady = '';
let victim: RedisServer;
let onA: SyncClient;
let onB: SyncClient;
const statuses = {failing: [] as number[], steady: [] as number[]};

const a = () => farm.instances[0]!;
const b = () => farm.instances[1]!;
const recordKey = (cookie: string) =>
  (a().service.store as RedisStore).recordKey(sessionKey(cookie.split('=')[1]!));

beforeAll(async () => {
  cluster = await startRedisCluster();
  farm = await startFarm(2, cluster.url);
  // The victim is the first seed node, where every instance's subscriber connects first: its
  // death also cuts the fan-out, which must come back with a resync.
  victim = cluster.nodes[0]!;
  for (let i = 0; !failing || !steady; i++) {
    if (i > 40) throw new Error(`no sessions on ${victim.port} and elsewhere (is it a master?)`);
    const c = await farm.login('Alice', i % 2);
    const onVictim = (await cluster.masterOf(recordKey(c))).port === victim.port;
    if (onVictim) failing ||= c;
    else steady ||= c;
  }
  onA = await a().socket(failing);
  onB = await b().socket(failing);
}, 60_000);

afterAll(async () => {
  await farm?.close();
  await cluster?.stop();
});

describe('a Redis Cluster master fails over under two instances', () => {
  it('serves both sessions before the failover', async () => {
    for (const cookie of [failing, steady]) {
      expect((await a().http(cookie).post('/api/trail', {page: 'Before'})).status).toBe(200);
    }
  });

  it('keeps serving sessions of other slots and fails the lost slot closed in the gap', async () => {
    await victim.kill();
    let done = false;
    const failover = cluster.failedOver(victim.port).finally(() => (done = true));
    while (!done) {
      await Promise.all([
        (async () => {
          const r = await b().http(steady).post('/api/trail', {page: 'Steady'});
          statuses.steady.push(r.status);
        })(),
        (async () => {
          const r = await a().http(failing).post('/api/trail', {page: 'Gap'});
          statuses.failing.push(r.status);
          if (r.status !== 200) expect(r.json).toMatchObject({error: {code: 'store_unavailable'}});
          const s = await b().http(failing).get<SessionView>('/api/session');
          if (s.status === 200) expect(s.json.user).toEqual({name: 'Alice'});
          else expect(s.status).toBe(503);
        })(),
      ]);
    }
    await failover;
    expect(statuses.steady.length).toBeGreaterThan(0);
    expect(statuses.steady.every((s) => s === 200)).toBe(true);
    expect(statuses.failing).toContain(503);
    expect(onA.ws.readyState).toBe(WebSocket.OPEN);
    expect(onB.ws.readyState).toBe(WebSocket.OPEN);
  }, 60_000);

  it('recovers the session of the failed slot by itself on the promoted replica', async () => {
    await untilVisitAnswers(a(), failing, 'Back', 20_000);
    const s = await b().http(failing).get<SessionView>('/api/session');
    expect(s.json).toMatchObject({user: {name: 'Alice'}});
    expect(s.json.trail.at(-1)).toBe('Back');
  }, 30_000);

  it('pushes the recovered session to its sockets on both instances (the subscribers moved)', async () => {
    const fresh = (socket: SyncClient) =>
      socket.waitFor((m) => m.type === 'session' && m.session.trail.at(-1) === 'Back', 15_000);
    await Promise.all([fresh(onA), fresh(onB)]);
  });

  it('fans out across instances again after the failover', async () => {
    const pushed = nextView(onB, (v) => v.trail.at(-1) === 'AfterFailover', 10_000);
    expect(await onA.visit('after-1', 'AfterFailover')).toEqual({type: 'ack', id: 'after-1'});
    await pushed;
  });
});
