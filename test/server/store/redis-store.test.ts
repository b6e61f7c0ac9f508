import {Redis} from 'ioredis';
import {beforeEach, describe, expect, it} from 'vitest';
import {APPLIED_OPS_KEPT, isMoinError, resolveConfig} from '../../../shared/index.js';
import {createStore} from '../../../server/store/create-store.js';
import {
  REDIS_BUCKETS,
  bucketKeys,
  indexKeys,
  recordKeyOf,
} from '../../../server/store/redis-layout.js';
import {RedisStore} from '../../../server/store/redis-store.js';
import type {SessionRecord} from '../../../server/store/types.js';
import {freePort, startRedisServer, useRedisServer} from '../../support/redis-server.js';
import {sessionRecord} from '../../support/session-record.js';
import {describeStoreConformance} from './store-conformance.js';
import {decodeOpWindow} from '../../../server/store/op-window.js';

const suite = useRedisServer();
const {open} = suite;
let prefixSeq = 0;

/** A store on the suite's Redis with a prefix of its own, so tests never see each other's keys. */
function newStore(prefix = `t${++prefixSeq}:`, url = suite.server.url): RedisStore {
  const s = new RedisStore(url, {prefix});
  open.push(s);
  return s;
}

describeStoreConformance('redis', async () => {
  // A fresh prefix per test is an empty store; cleanup removes every key under it.
  const prefix = `conf${++prefixSeq}:`;
  const store = new RedisStore(suite.server.url, {prefix});
  return {
    store,
    async cleanup() {
      await store.close();
      const keys = await suite.raw.keys(`${prefix}*`);
      if (keys.length > 0) await suite.raw.del(...keys);
    },
  };
});

/** The members of index `name` (x, o) of every bucket under `prefix`, sorted. */
async function allEntries(prefix: string, name: 'x' | 'o'): Promise<string[]> {
  const all = await Promise.all(
    Array.from({length: REDIS_BUCKETS}, (_, i) => {
      const b = bucketKeys(prefix, i);
      return name === 'x' ? suite.raw.zrange(b.x, '0', '-1') : suite.raw.hkeys(b.o);
    })
  );
  return all.flat().sort();
}

/** The keys every bucket's per-user index holds for `user` under `prefix`, sorted. */
async function userEntries(prefix: string, user: string): Promise<string[]> {
  const all = await Promise.all(
    Array.from({length: REDIS_BUCKETS}, (_, i) =>
      suite.raw.zrange(bucketKeys(prefix, i).u, '0', '-1')
    )
  );
  return all
    .flat()
    .filter((m) => m.startsWith(`${user}\0`))
    .map((m) => m.slice(user.length + 1))
    .sort();
}

/** A live anonymous record (1 h), with `over` applied. */
const record = (key: string, over: Partial<SessionRecord> = {}) => sessionRecord(key, over);

async function expectUnavailable(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(isMoinError(err) && err.code === 'store_unavailable').toBe(true);
}

describe('RedisStore key layout', () => {
  it('stores a session under <prefix>{NN}s:<key>, NN its bucket, expiring at its expiresAt', async () => {
    const s = newStore('lay:');
    const r = record('k1', {user: 'Alice'});
    await s.insert(r);
    const b = s.bucketOf('k1');
    expect(b.tag).toMatch(/^lay:\{\d\d\}$/);
    expect(s.recordKey('k1')).toBe(`${b.tag}s:k1`);
    expect(await suite.raw.exists(`${b.tag}s:k1`)).toBe(1);
    expect(await suite.raw.pexpiretime(`${b.tag}s:k1`)).toBe(r.expiresAt);
    expect(await suite.raw.zscore(b.x, 'k1')).toBe(String(r.expiresAt));
    expect(await suite.raw.zrange(b.u, '0', '-1')).toEqual(['Alice\0k1']);
    expect(await suite.raw.hget(b.o, 'k1')).toBe('Alice');
  });

  it('spreads keys over every bucket, each bucket under its own hash tag', async () => {
    const s = newStore('spread:');
    const buckets = new Set(Array.from({length: 400}, (_, i) => s.bucketOf(`key-${i}`).bucket));
    expect(buckets.size).toBe(REDIS_BUCKETS);
    const b = s.bucketOf('k1');
    for (const k of [s.recordKey('k1'), ...indexKeys(b)]) expect(k.startsWith(b.tag)).toBe(true);
  });

  it('moves the Redis expiry with a touch', async () => {
    const s = newStore('touch:');
    const r = record('k1', {user: 'Alice'});
    await s.insert(r);
    const later = r.expiresAt + 600_000;
    const res = await s.mutate('k1', {type: 'touch', expiresAt: later}, Date.now());
    expect(res?.changed).toBe(true);
    expect(await suite.raw.pexpiretime(s.recordKey('k1'))).toBe(later);
    expect(await suite.raw.zscore(s.bucketOf('k1').x, 'k1')).toBe(String(later));
  });

  it('keeps sessions of different prefixes apart', async () => {
    const a = newStore('pa:');
    const b = newStore('pb:');
    await a.insert(record('same', {user: 'Alice'}));
    expect(await b.get('same', Date.now())).toBeUndefined();
    expect(await b.list(Date.now())).toEqual([]);
    expect(await a.get('same', Date.now())).toMatchObject({user: 'Alice'});
  });

  it('is what createStore opens for a redis:// store, with the configured prefix', async () => {
    const config = resolveConfig({store: suite.server.url, redis_prefix: 'cfg:'});
    const s = createStore(config);
    try {
      expect(s.kind).toBe('redis');
      await s.insert(record('viaConfig'));
      expect(await suite.raw.exists((s as RedisStore).recordKey('viaConfig'))).toBe(1);
    } finally {
      await s.close();
    }
  });
});

describe('RedisStore expiry', () => {
  it('lets Redis drop an expired session by itself', async () => {
    const s = newStore();
    await s.insert(record('short', {expiresAt: Date.now() + 150}));
    await new Promise((r) => setTimeout(r, 400));
    expect(await suite.raw.exists(s.recordKey('short'))).toBe(0);
    expect(await s.get('short', Date.now())).toBeUndefined();
    expect(await s.mutate('short', {type: 'return'}, Date.now())).toBeUndefined();
  });

  it('purgeExpired cleans the indexes of sessions Redis already dropped', async () => {
    const s = newStore('pur:');
    await s.insert(record('gone', {user: 'Bob', expiresAt: Date.now() + 100}));
    await s.insert(record('stays', {user: 'Bob'}));
    await new Promise((r) => setTimeout(r, 300));
    expect(await userEntries('pur:', 'Bob')).toEqual(['gone', 'stays']);
    // Redis removed the record itself, so purge finds no record to remove, only index entries.
    expect(await s.purgeExpired(Date.now())).toBe(0);
    expect(await userEntries('pur:', 'Bob')).toEqual(['stays']);
    expect(await allEntries('pur:', 'x')).toEqual(['stays']);
    expect(await allEntries('pur:', 'o')).toEqual(['stays']);
    expect((await s.list(Date.now(), 'Bob')).map((r) => r.ref)).toEqual(['stays']);
  });

  it('purges in batches when many sessions have expired', async () => {
    const s = newStore('many:');
    const now = Date.now();
    for (let i = 0; i < 1_200; i++) await s.insert(record(`m${i}`, {expiresAt: now + 60_000}));
    expect(await s.purgeExpired(now + 120_000)).toBe(1_200);
    expect(await allEntries('many:', 'x')).toEqual([]);
  });
});

describe('RedisStore indexes', () => {
  it('destroy removes the record and its index entries', async () => {
    const s = newStore('des:');
    await s.insert(record('k', {user: 'Carol'}));
    expect(await s.destroy('k')).toBe(true);
    expect(await s.destroy('k')).toBe(false);
    expect(await suite.raw.exists(...indexKeys(s.bucketOf('k')))).toBe(0);
  });

  it('insert with an old key destroys the old one and moves the index', async () => {
    const s = newStore('rot:');
    await s.insert(record('anon'));
    await s.insert(record('logged', {user: 'Dave'}), 'anon');
    expect(await s.get('anon', Date.now())).toBeUndefined();
    expect(await allEntries('rot:', 'x')).toEqual(['logged']);
    expect(await userEntries('rot:', 'Dave')).toEqual(['logged']);
  });

  it('revokeUser publishes every revoked key on <prefix>changes', async () => {
    const s = newStore('rev:');
    await s.insert(record('r1', {user: 'Eve'}));
    await s.insert(record('r2', {user: 'Eve'}));
    await s.insert(record('r3', {user: 'Frank'}));
    const sub = new Redis(suite.server.url);
    try {
      const got: string[] = [];
      sub.on('message', (_ch: string, m: string) => got.push(m));
      await sub.subscribe('rev:changes');
      expect((await s.revokeUser('Eve')).sort()).toEqual(['r1', 'r2']);
      await expect.poll(() => got.sort()).toEqual(['r1', 'r2']);
      expect(await s.get('r3', Date.now())).toMatchObject({user: 'Frank'});
      expect(await userEntries('rev:', 'Eve')).toEqual([]);
      expect(await allEntries('rev:', 'x')).toEqual(['r3']);
    } finally {
      sub.disconnect();
    }
  });
});

describe('RedisStore atomicity across instances', () => {
  let a: RedisStore;
  let b: RedisStore;
  beforeEach(async () => {
    const prefix = `atom${++prefixSeq}:`;
    a = newStore(prefix);
    b = newStore(prefix);
    await a.insert(record('hot', {rev: 10}));
  });

  it('loses none of 2 × 100 parallel visits on one session, each with its own rev', async () => {
    const now = Date.now();
    const visit = (s: RedisStore, i: number) =>
      s.mutate('hot', {type: 'visit', page: `P${i}`, trailSize: 5, opId: `op${i}`}, now);
    const results = await Promise.all(Array.from({length: 200}, (_, i) => visit(i % 2 ? a : b, i)));
    const revs = results.map((r) => r!.record.rev);
    expect(new Set(revs).size).toBe(200);
    expect(Math.min(...revs)).toBe(11);
    expect(Math.max(...revs)).toBe(210);
    const final = await a.get('hot', now);
    expect(final!.rev).toBe(210);
    const ids = decodeOpWindow(final!.ops);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  });

  it('writes 50 parallel changes of one session from one instance with a few compare-and-sets', async () => {
    const now = Date.now();
    await suite.raw.config('RESETSTAT');
    const results = await Promise.all(
      Array.from({length: 50}, (_, i) =>
        a.mutate('hot', {type: 'visit', page: `B${i}`, trailSize: 5}, now)
      )
    );
    expect(results.map((r) => r!.record.rev)).toEqual(Array.from({length: 50}, (_, i) => 11 + i));
    const stats = (await suite.raw.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+)/);
    expect(Number(stats?.[1] ?? 0)).toBeLessThanOrEqual(5);
    expect((await b.get('hot', now))!.rev).toBe(60);
  });

  it('applies one op id once when two instances send it at the same time', async () => {
    const now = Date.now();
    const op = {type: 'visit', page: 'Same', trailSize: 5, opId: 'dup-1'} as const;
    const [x, y] = await Promise.all([a.mutate('hot', op, now), b.mutate('hot', op, now)]);
    expect([x!.duplicate, y!.duplicate].sort()).toEqual([false, true]);
    expect((await a.get('hot', now))!.rev).toBe(11);
  });

  it("applies a change on top of the other instance's write although it remembered an older value", async () => {
    const now = Date.now();
    const v = (page: string) => ({type: 'visit', page, trailSize: 5}) as const;
    await a.mutate('hot', v('A'), now);
    await b.mutate('hot', v('B'), now);
    const r = await a.mutate('hot', v('C'), now);
    expect(r?.record).toMatchObject({trail: ['A', 'B', 'C'], rev: 13});
    expect(await b.get('hot', now)).toMatchObject({trail: ['A', 'B', 'C'], rev: 13});
  });

  it('answers a no-op change from Redis, not from a remembered session destroyed elsewhere', async () => {
    const now = Date.now();
    await a.mutate('hot', {type: 'visit', page: 'A', trailSize: 5, opId: 'seen'}, now);
    await b.destroy('hot');
    expect(await a.mutate('hot', {type: 'return'}, now)).toBeUndefined();
    const resend = {type: 'visit', page: 'A', trailSize: 5, opId: 'seen'} as const;
    expect(await a.mutate('hot', resend, now)).toBeUndefined();
  });

  it('never resurrects a session destroyed while a mutation was queued', async () => {
    const now = Date.now();
    const pending = Array.from({length: 20}, (_, i) =>
      a.mutate('hot', {type: 'visit', page: `Q${i}`, trailSize: 5}, now)
    );
    await b.destroy('hot');
    await Promise.all(pending);
    expect(await a.get('hot', now)).toBeUndefined();
    expect(await suite.raw.exists(a.recordKey('hot'))).toBe(0);
  });
});

describe('RedisStore reading bad data', () => {
  it('reads a value that is not JSON as no session', async () => {
    const s = newStore('bad:');
    await suite.raw.set(s.recordKey('junk'), '{not json', 'PX', 60_000);
    expect(await s.get('junk', Date.now())).toBeUndefined();
  });
});

describe('RedisStore op-id window (issue 15)', () => {
  const clientWindow = (client: number) =>
    Array.from({length: APPLIED_OPS_KEPT}, (_, i) => `${client}2718281828459045:${i + 1}`);
  const visit = (id: string) => ({type: 'visit', page: `P-${id}`, trailSize: 5, opId: id}) as const;

  it('stores a logged-in session with a full window of one client in at most 2,048 bytes', async () => {
    const s = newStore('win:');
    const key = 'k'.repeat(43);
    await s.insert(record(key, {user: 'SomeUser'}));
    for (const id of clientWindow(3)) await s.mutate(key, visit(id), Date.now());
    expect(decodeOpWindow((await s.get(key, Date.now()))!.ops)).toEqual(clientWindow(3));
    const value = (await suite.raw.get(recordKeyOf('win:', key)))!;
    expect(value).toContain('"ops":"32718281828459045:1*256"');
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(2048);
    // What Redis itself counts for the key (value, key and overhead).
    expect(await suite.raw.memory('USAGE', recordKeyOf('win:', key))).toBeLessThanOrEqual(2048);
  });

  it('reads a record written with the JSON window of before and dedupes its ids', async () => {
    const s = newStore('oldwin:');
    const old = {...record('k1'), ops: clientWindow(5) as unknown as string};
    await suite.raw.set(recordKeyOf('oldwin:', 'k1'), JSON.stringify(old), 'PXAT', old.expiresAt);
    expect(decodeOpWindow((await s.get('k1', Date.now()))!.ops)).toEqual(clientWindow(5));
    const resend = await s.mutate('k1', visit(clientWindow(5)[9]!), Date.now());
    expect(resend).toMatchObject({duplicate: true, changed: false});
    const fresh = await s.mutate(
      'k1',
      visit(`52718281828459045:${APPLIED_OPS_KEPT + 1}`),
      Date.now()
    );
    expect(fresh).toMatchObject({duplicate: false, changed: true});
    expect(await suite.raw.get(recordKeyOf('oldwin:', 'k1'))).toContain(
      '"ops":"52718281828459045:2*256"'
    );
  });
});

describe('RedisStore when Redis is unreachable', () => {
  it('rejects every method with store_unavailable when nothing listens', async () => {
    const s = newStore('down:', `redis://127.0.0.1:${await freePort()}`);
    const now = Date.now();
    await expectUnavailable(s.ping());
    await expectUnavailable(s.get('k', now));
    await expectUnavailable(s.insert(record('k')));
    await expectUnavailable(s.mutate('k', {type: 'return'}, now));
    await expectUnavailable(s.destroy('k'));
    await expectUnavailable(s.revokeUser('u'));
    await expectUnavailable(s.list(now));
    await expectUnavailable(s.purgeExpired(now));
    await expectUnavailable(
      s.appendAudit({
        at: now,
        action: 'su_start',
        actor: 'a',
        target: 'b',
        address: '',
        session: '',
      })
    );
    await expectUnavailable(s.listAudit());
  });

  it('fails closed while Redis is down and recovers by itself when it returns', async () => {
    const own = await startRedisServer({appendonly: true, appendfsync: 'always'});
    const s = newStore('out:', own.url);
    try {
      await s.insert(record('kept', {user: 'Gina'}));
      await s.mutate('kept', {type: 'visit', page: 'Acked', trailSize: 5}, Date.now());
      await own.kill();
      await expectUnavailable(s.get('kept', Date.now()));
      await expectUnavailable(s.mutate('kept', {type: 'return'}, Date.now()));
      const back = await startRedisServer({port: own.port, dir: own.dir, appendonly: true});
      try {
        await expect
          .poll(
            () =>
              s.ping().then(
                () => true,
                () => false
              ),
            {timeout: 10_000}
          )
          .toBe(true);
        const r = await s.get('kept', Date.now());
        expect(r?.trail).toEqual(['Acked']);
      } finally {
        await back.stop();
      }
    } finally {
      await own.stop();
    }
  });
});

describe('RedisStore audit log', () => {
  it('keeps audit entries in order for every instance on the same Redis', async () => {
    const a = newStore('aud:');
    const b = newStore('aud:');
    const e = (n: number) =>
      ({
        at: n,
        action: 'su_start',
        actor: 'Admin',
        target: `U${n}`,
        address: '127.0.0.1',
        session: 'ref',
      }) as const;
    await a.appendAudit(e(1));
    await b.appendAudit(e(2));
    expect((await a.listAudit()).map((x) => x.target)).toEqual(['U1', 'U2']);
  });
});
