// Several moin-session instances (createSessionService, each listening on port 0) on one spawned
// redis-server, as behind a load balancer: tests talk to each instance directly. Not a test file.
import {expect} from 'vitest';
import type {ServerMessage, SessionView} from '../../../shared/index.js';
import {createSessionService, type SessionService} from '../../../server/index.js';
import {HttpClient} from '../../support/http-client.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {
  startRedisServer,
  type RedisServer,
  type RedisServerOptions,
} from '../../support/redis-server.js';
import {SyncClient} from '../../support/sync-harness.js';

/** The users every instance knows (as a shared users file would give them): Admin is a superuser. */
const USERS = {
  Admin: {password: 'admin-pw'},
  Alice: {password: 'alice-pw'},
  Bob: {password: 'bob-pw'},
};

/** One running instance. */
interface Instance {
  service: SessionService;
  url: string;
  /** An HTTP client for this instance, with the given Cookie header (or its own jar). */
  http(cookie?: string): HttpClient;
  /** Opens a WebSocket on this instance with a Cookie header; waits for the first view. */
  socket(cookie: string | null): Promise<SyncClient>;
}

/** Instances on one store. */
export interface Farm {
  instances: Instance[];
  /** Logs a user in over HTTP on instance `on`; returns the Cookie header value. */
  login(name: keyof typeof USERS, on?: number): Promise<string>;
  close(): Promise<void>;
}

/** Instances on one Redis. */
export interface Cluster extends Farm {
  redis: RedisServer;
}

/**
 * Starts redis-server and `count` instances on it with the same config (a `redis://` store, so each
 * gets the Redis bus by default, exactly as in production).
 */
export async function startCluster(
  count: number,
  config: Record<string, unknown> = {},
  redisOptions: RedisServerOptions = {}
): Promise<Cluster> {
  const redis = await startRedisServer(redisOptions);
  const farm = await startFarm(count, redis.url, config);
  return {
    ...farm,
    redis,
    async close() {
      await farm.close();
      await redis.stop();
    },
  };
}

/** Starts `count` instances with the same config on the store `storeUrl` (already running). */
export async function startFarm(
  count: number,
  storeUrl: string,
  config: Record<string, unknown> = {}
): Promise<Farm> {
  const instances: Instance[] = [];
  const sockets: SyncClient[] = [];
  for (let i = 0; i < count; i++) {
    const service = createSessionService(
      {
        store: storeUrl,
        log_level: 'silent',
        superuser: ['Admin'],
        cookie_lifetime: [0, 12],
        ...config,
      },
      {users: new MemoryUsers(USERS)}
    );
    const {url} = await service.listen(0, '127.0.0.1');
    const wsUrl = url.replace(/^http/, 'ws') + '/api/sync';
    instances.push({
      service,
      url,
      http(cookie) {
        const c = new HttpClient(url);
        if (cookie) {
          const [name = '', value = ''] = cookie.split('=');
          c.cookies.set(name, value);
        }
        return c;
      },
      async socket(cookie) {
        const s = await SyncClient.open(wsUrl, {
          origin: url,
          ...(cookie ? {headers: {cookie}} : {}),
        });
        sockets.push(s);
        await s.view();
        return s;
      },
    });
  }
  return {
    instances,
    async login(name, on = 0) {
      const c = instances[on]!.http();
      const r = await c.post('/api/login', {name, password: USERS[name].password});
      if (r.status !== 200) throw new Error(`login answered ${r.status}: ${r.text}`);
      return c.cookieHeader();
    },
    async close() {
      for (const s of sockets) s.ws.terminate();
      await Promise.all(instances.map((i) => i.service.close()));
    },
  };
}

/** A view pushed to a socket after `after` messages (so earlier views do not count). */
export function nextView(
  socket: SyncClient,
  pred: (v: SessionView) => boolean,
  ms = 5_000
): Promise<SessionView> {
  const from = socket.messages.length;
  return socket
    .waitFor(
      (m) => socket.messages.indexOf(m) >= from && m.type === 'session' && pred(m.session),
      ms
    )
    .then((m) => (m as Extract<typeof m, {type: 'session'}>).session);
}

/**
 * Posts the visit `page` on `inst` with `cookie` until it answers 200 (within `ms`); a failure
 * names the last answer.
 */
export async function untilVisitAnswers(
  inst: Instance,
  cookie: string,
  page: string,
  ms: number
): Promise<void> {
  let last = '';
  await expect
    .poll(
      async () => {
        const r = await inst.http(cookie).post('/api/trail', {page});
        last = `${r.status} ${r.text}`;
        return r.status;
      },
      {timeout: ms, interval: 200}
    )
    .toBe(200)
    .catch((err: unknown) => {
      throw new Error(`still failing; the last answer: ${last}`, {cause: err});
    });
}

/** True for the ack or error frame that answers the visit `id`. */
export const isAnswer = (id: string) => (m: ServerMessage) =>
  (m.type === 'ack' || m.type === 'error') && 'id' in m && m.id === id;

/**
 * Sends `count` visits alternating between two sockets; once a few are acknowledged, runs `crash`
 * (so that others are in flight at that moment) and waits for every answer. Acknowledged ids are
 * pushed to `acked`; every other answer must be store_unavailable. Returns after the last answer.
 */
export async function burstThroughCrash(
  [onA, onB]: [SyncClient, SyncClient],
  count: number,
  crash: () => Promise<void>,
  acked: string[]
): Promise<void> {
  const ids = Array.from({length: count}, (_, i) => `burst-${i}`);
  ids.forEach((id, i) => (i % 2 ? onB : onA).send({type: 'visit', id, page: `Burst${i}`}));
  const burstAcks = () => onA.messages.filter((m) => m.type === 'ack' && m.id.startsWith('burst-'));
  await expect.poll(() => burstAcks().length, {interval: 1}).toBeGreaterThanOrEqual(5);
  await crash();
  const answers = await Promise.all(
    ids.map((id, i) => (i % 2 ? onB : onA).waitFor(isAnswer(id), 15_000))
  );
  for (const m of answers) {
    if (m.type === 'ack') acked.push(m.id);
    else expect(m).toMatchObject({type: 'error', code: 'store_unavailable'});
  }
}

/**
 * Two instances share one session: Alice logs in on instance 0, a visit there is her trail on
 * instance 1. The check both the one-Redis and the Redis Cluster tests make.
 */
export async function expectOneSessionOnBoth(farm: Farm): Promise<void> {
  const [a, b] = farm.instances as [Instance, Instance];
  const cookie = await farm.login('Alice', 0);
  await a.http(cookie).post('/api/trail', {page: 'FrontPage'});
  const r = await b.http(cookie).get<SessionView>('/api/session');
  expect(r.status).toBe(200);
  expect(r.json.user).toEqual({name: 'Alice'});
  expect(r.json.trail).toEqual(['FrontPage']);
}

/**
 * A change of user made on instance 0 reaches a socket on instance 1, the return made on 1 reaches
 * a socket on 0, and the audit log has both records.
 */
export async function expectSuPushedAcross(farm: Farm): Promise<void> {
  const [a, b] = farm.instances as [Instance, Instance];
  const cookie = await farm.login('Admin', 0);
  const onA = await a.socket(cookie);
  const onB = await b.socket(cookie);
  const switched = nextView(onB, (v) => v.user?.name === 'Bob');
  expect((await a.http(cookie).post('/api/su', {name: 'Bob'})).status).toBe(200);
  expect(await switched).toMatchObject({user: {name: 'Bob'}, realUser: {name: 'Admin'}});
  const back = nextView(onA, (v) => v.user?.name === 'Admin' && v.realUser === null);
  expect((await b.http(cookie).delete('/api/su')).status).toBe(200);
  await back;
  const audit = await a.service.store.listAudit();
  expect(audit.slice(-2).map((e) => [e.action, e.actor, e.target])).toEqual([
    ['su_start', 'Admin', 'Bob'],
    ['su_return', 'Admin', 'Bob'],
  ]);
}

/** 200 visits at once on one session, split over instances 0 and 1: none lost, each its own rev. */
export async function expectParallelVisitsKept(farm: Farm): Promise<void> {
  const [a, b] = farm.instances as [Instance, Instance];
  const cookie = await farm.login('Alice', 0);
  const start = (await a.http(cookie).get<SessionView>('/api/session')).json.rev;
  const visits = Array.from({length: 200}, (_, i) =>
    farm.instances[i % 2]!.http(cookie).post<SessionView>('/api/trail', {page: `Page${i}`})
  );
  const answers = await Promise.all(visits);
  expect(answers.map((r) => r.status)).toEqual(Array(200).fill(200));
  const revs = answers.map((r) => r.json.rev);
  expect(new Set(revs).size).toBe(200);
  expect(Math.max(...revs)).toBe(start + 200);
  expect((await b.http(cookie).get<SessionView>('/api/session')).json.rev).toBe(start + 200);
}
