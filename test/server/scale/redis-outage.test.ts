import {WebSocket} from 'ws';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ServerMessage, SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import {startRedisServer, type RedisServer} from '../../support/redis-server.js';
import {rawUpgrade, type SyncClient} from '../../support/sync-harness.js';
import {burstThroughCrash, isAnswer, startCluster, type Cluster} from './cluster-harness.js';
import {decodeOpWindow} from '../../../server/store/op-window.js';

// One scenario in steps (each `it` builds on the one before): two instances on a redis-server with
// `appendonly yes` + `appendfsync always`; visits are acknowledged; redis-server is killed with
// SIGKILL (a crash) while more visits are in flight; everything fails closed; redis-server starts
// again on the same port and data dir; everything recovers by itself and no acknowledged visit is lost.

let cluster: Cluster;
let back: RedisServer | undefined;
let cookie: string;
let onA: SyncClient;
let onB: SyncClient;
const acked: string[] = [];
let failedDuringOutage = '';
let messagesBeforeRestart: [number, number] = [0, 0];

const a = () => cluster.instances[0]!;
const b = () => cluster.instances[1]!;

beforeAll(async () => {
  cluster = await startCluster(
    2,
    // Room for every page in the trail, and no rate limit getting in the way of the burst.
    {trail_size: 200, visit_rate: 1000, visit_burst: 1000},
    {appendonly: true, appendfsync: 'always'}
  );
  cookie = await cluster.login('Alice', 0);
  onA = await a().socket(cookie);
  onB = await b().socket(cookie);
});

afterAll(async () => {
  // The restarted server first: the first one is dead, and its stop() removes the shared data dir.
  await back?.stop({keepDir: true});
  await cluster.close();
});

/** Sends a visit and waits for the answer to this send (not an earlier one with the same id). */
function visitAgain(socket: SyncClient, id: string, page: string): Promise<ServerMessage> {
  const from = socket.messages.length;
  const answer = socket.waitFor((m) => socket.messages.indexOf(m) >= from && isAnswer(id)(m));
  socket.send({type: 'visit', id, page});
  return answer;
}

describe('a Redis crash and restart under two instances', () => {
  it('acknowledges visits on both instances before the crash', async () => {
    for (let i = 0; i < 10; i++) {
      const [socket, id] = i % 2 ? [onB, `b-${i}`] : [onA, `a-${i}`];
      expect(await socket.visit(id, `Before${i}`)).toEqual({type: 'ack', id});
      acked.push(id);
    }
  });

  it('keeps every visit acknowledged while redis-server is killed mid-burst', async () => {
    await burstThroughCrash([onA, onB], 100, () => cluster.redis.kill(), acked);
  });

  it('answers HTTP with 503 store_unavailable and /healthz with 503 on both instances', async () => {
    for (const inst of [a(), b()]) {
      const session = await inst.http(cookie).get('/api/session');
      expect(session.status).toBe(503);
      expect(session.json).toMatchObject({error: {code: 'store_unavailable'}});
      const visit = await inst.http(cookie).post('/api/trail', {page: 'Down'});
      expect(visit.status).toBe(503);
      const health = await inst.http().get('/healthz');
      expect(health.status).toBe(503);
      expect(health.json).toMatchObject({error: {code: 'store_unavailable'}});
    }
  });

  it('answers a socket visit with an error frame and keeps the socket open', async () => {
    failedDuringOutage = 'during-1';
    expect(await onA.visit(failedDuringOutage, 'DuringOutage')).toMatchObject({
      type: 'error',
      id: failedDuringOutage,
      code: 'store_unavailable',
    });
    expect(onA.ws.readyState).toBe(WebSocket.OPEN);
    expect(onB.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses a new WebSocket upgrade with 503 during the outage', async () => {
    const r = await rawUpgrade(b().url, '/api/sync', {origin: b().url, cookie});
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({error: {code: 'store_unavailable'}});
  });

  it('recovers by itself when redis-server is back on the same port and data', async () => {
    messagesBeforeRestart = [onA.messages.length, onB.messages.length];
    back = await startRedisServer({
      port: cluster.redis.port,
      dir: cluster.redis.dir,
      appendonly: true,
      appendfsync: 'always',
    });
    for (const inst of [a(), b()]) {
      await expect
        .poll(async () => (await inst.http().get('/healthz')).status, {timeout: 15_000})
        .toBe(200);
    }
    const r = await b().http(cookie).get<SessionView>('/api/session');
    expect(r.status).toBe(200);
    expect(r.json.user).toEqual({name: 'Alice'});
  });

  it('sends every open socket a fresh full view after the restart', async () => {
    const fresh = (s: SyncClient, from: number) =>
      s.waitFor(
        (m) => s.messages.indexOf(m) >= from && m.type === 'session' && m.session.user !== null,
        10_000
      );
    const [va, vb] = await Promise.all([
      fresh(onA, messagesBeforeRestart[0]),
      fresh(onB, messagesBeforeRestart[1]),
    ]);
    expect(va).toMatchObject({type: 'session', session: {user: {name: 'Alice'}}});
    expect(vb).toMatchObject({type: 'session', session: {user: {name: 'Alice'}}});
  });

  it('has lost no acknowledged visit', async () => {
    const record = await a().service.store.get(sessionKey(cookie.split('=')[1]!), Date.now());
    expect(record).toBeDefined();
    const applied = decodeOpWindow(record!.ops);
    for (const id of acked) expect(applied).toContain(id);
    expect(acked.length).toBeGreaterThanOrEqual(11);
    const view = (await a().http(cookie).get<SessionView>('/api/session')).json;
    expect(view.trail).toEqual(expect.arrayContaining(['Before0', 'Before9']));
  });

  it('applies the visit that failed during the outage once when the client resends it', async () => {
    const before = (await a().http(cookie).get<SessionView>('/api/session')).json.rev;
    const pushed = onB.waitFor(
      (m) => m.type === 'session' && m.session.trail.at(-1) === 'DuringOutage',
      5_000
    );
    expect(await visitAgain(onA, failedDuringOutage, 'DuringOutage')).toMatchObject({
      type: 'ack',
    });
    await pushed;
    // Resent again (the ack was lost, say): acknowledged, not applied twice.
    expect(await visitAgain(onA, failedDuringOutage, 'DuringOutage')).toMatchObject({
      type: 'ack',
    });
    const after = (await b().http(cookie).get<SessionView>('/api/session')).json;
    expect(after.rev).toBe(before + 1);
  });

  it('fans out across instances again after the restart', async () => {
    const pushed = onB.waitFor(
      (m) => m.type === 'session' && m.session.trail.at(-1) === 'AfterRestart',
      5_000
    );
    expect(await onA.visit('after-1', 'AfterRestart')).toEqual({type: 'ack', id: 'after-1'});
    await pushed;
  });
});
