import {WebSocket} from 'ws';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import {startSentinelSet, type SentinelSet} from '../../support/redis-sentinel.js';
import type {SyncClient} from '../../support/sync-harness.js';
import {burstThroughCrash, startFarm, untilVisitAnswers, type Farm} from './cluster-harness.js';
import {decodeOpWindow} from '../../../server/store/op-window.js';

// One scenario in steps (each `it` builds on the one before): two instances on a Sentinel set (a
// master, a replica, three Sentinels) with redis_wait_replicas 1; visits stream from sockets on both
// instances; the master is SIGKILLed mid-burst; the Sentinels promote the replica; requests in the
// gap fail closed (503), never as anonymous; the old master comes back as a replica; everything
// recovers by itself, the sockets get fresh views, and no acknowledged visit is lost.

let set: SentinelSet;
let farm: Farm;
let cookie: string;
let onA: SyncClient;
let onB: SyncClient;
let killedIndex = -1;
let oldMasterPort = 0;
const acked: string[] = [];
const gapStatuses: number[] = [];
let messagesAtKill: [number, number] = [0, 0];

const a = () => farm.instances[0]!;
const b = () => farm.instances[1]!;

beforeAll(async () => {
  set = await startSentinelSet({appendfsync: 'everysec'});
  farm = await startFarm(2, set.url, {
    trail_size: 300,
    visit_rate: 1000,
    visit_burst: 1000,
    redis_wait_replicas: 1,
  });
  cookie = await farm.login('Alice', 0);
  onA = await a().socket(cookie);
  onB = await b().socket(cookie);
}, 90_000);

afterAll(async () => {
  // Once seen to outlast the hook's 60 s in a loaded full run (never alone): a slow step says which.
  const slow = async (what: string, step: () => Promise<void> | undefined) => {
    const started = Date.now();
    await step();
    const ms = Date.now() - started;
    if (ms > 5_000) console.error(`sentinel-failover clean-up: ${what} took ${ms} ms`);
  };
  await slow('closing the two instances', () => farm?.close());
  await slow('stopping the Sentinel set', () => set?.stop());
}, 120_000);

describe('a Sentinel failover under two instances with redis_wait_replicas 1', () => {
  it('acknowledges visits on both instances before the failover', async () => {
    for (let i = 0; i < 10; i++) {
      const [socket, id] = i % 2 ? [onB, `b-${i}`] : [onA, `a-${i}`];
      expect(await socket.visit(id, `Before${i}`)).toEqual({type: 'ack', id});
      acked.push(id);
    }
  });

  it('answers every visit of a burst with an ack or store_unavailable while the master is killed', async () => {
    const crash = async () => {
      messagesAtKill = [onA.messages.length, onB.messages.length];
      oldMasterPort = await set.masterPort();
      killedIndex = await set.killMaster();
    };
    await burstThroughCrash([onA, onB], 100, crash, acked);
    expect(acked.length).toBeGreaterThan(10);
  });

  it('answers requests in the gap with 503 store_unavailable, never as anonymous', async () => {
    // Until the Sentinels have promoted the replica and the old master is back as a replica
    // (WAIT 1 needs one), every state-changing answer fails closed; reads may answer, as Alice.
    const probe = async () => {
      for (const inst of [a(), b()]) {
        const r = await inst.http(cookie).post('/api/trail', {page: 'Gap'});
        gapStatuses.push(r.status);
        if (r.status !== 200) expect(r.json).toMatchObject({error: {code: 'store_unavailable'}});
        const s = await inst.http(cookie).get<SessionView>('/api/session');
        if (s.status === 200) expect(s.json.user).toEqual({name: 'Alice'});
        else expect(s.status).toBe(503);
      }
    };
    await probe();
    const newPort = await set.failedOver(oldMasterPort);
    expect(newPort).not.toBe(oldMasterPort);
    await probe();
    expect(gapStatuses).toContain(503);
    expect(onA.ws.readyState).toBe(WebSocket.OPEN);
    expect(onB.ws.readyState).toBe(WebSocket.OPEN);
  }, 60_000);

  it('recovers by itself once the old master is back as a replica of the new one', async () => {
    await set.restart(killedIndex);
    await set.replicasOnline(1);
    for (const inst of [a(), b()]) {
      await untilVisitAnswers(inst, cookie, 'Back', 30_000);
    }
  }, 60_000);

  it('sends every open socket a fresh full view after the failover', async () => {
    const fresh = (s: SyncClient, from: number) =>
      s.waitFor(
        (m) => s.messages.indexOf(m) >= from && m.type === 'session' && m.session.user !== null,
        15_000
      );
    const [va, vb] = await Promise.all([
      fresh(onA, messagesAtKill[0]),
      fresh(onB, messagesAtKill[1]),
    ]);
    expect(va).toMatchObject({session: {user: {name: 'Alice'}}});
    expect(vb).toMatchObject({session: {user: {name: 'Alice'}}});
  });

  it('has lost no acknowledged visit', async () => {
    const record = await a().service.store.get(sessionKey(cookie.split('=')[1]!), Date.now());
    expect(record).toBeDefined();
    const applied = decodeOpWindow(record!.ops);
    const missing = acked.filter((id) => !applied.includes(id));
    expect(missing).toEqual([]);
  });

  it('fans out across instances again after the failover', async () => {
    const pushed = onB.waitFor(
      (m) => m.type === 'session' && m.session.trail.at(-1) === 'AfterFailover',
      10_000
    );
    expect(await onA.visit('after-1', 'AfterFailover')).toEqual({type: 'ack', id: 'after-1'});
    await pushed;
  });
});
