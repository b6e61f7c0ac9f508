import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {isMoinError, resolveConfig} from '../../../shared/index.js';
import {createStore} from '../../../server/store/create-store.js';
import {indexKeys} from '../../../server/store/redis-layout.js';
import {RedisStore, type RedisStoreOptions} from '../../../server/store/redis-store.js';
import {startRedisCluster, type RedisClusterSet} from '../../support/redis-cluster.js';
import {askRedis} from '../../support/redis-server.js';
import {sessionRecord} from '../../support/session-record.js';
import {describeStoreConformance} from './store-conformance.js';

// The Redis store on a Redis Cluster: 3 masters and 3 replicas (`redis-server --cluster-enabled
// yes` ×6, joined by `redis-cli --cluster create`).

let cluster: RedisClusterSet;
let prefixSeq = 0;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describeStoreConformance('redis+cluster', async () => {
  const prefix = `cc${++prefixSeq}:`;
  const store = new RedisStore(cluster.url, {prefix});
  return {
    store,
    async cleanup() {
      await store.close();
      await cluster.deleteKeys(`${prefix}*`);
    },
  };
});

/** Runs `test` with a store on the cluster, closed afterwards. */
async function withStore(
  options: RedisStoreOptions,
  test: (store: RedisStore) => Promise<void>
): Promise<void> {
  const store = new RedisStore(cluster.url, options);
  try {
    await test(store);
  } finally {
    await store.close();
  }
}

describe('RedisStore on a Redis Cluster', () => {
  it('is what createStore opens for a redis+cluster:// store', async () => {
    const store = createStore(resolveConfig({store: cluster.url, redis_prefix: 'cfgc:'}));
    try {
      await store.insert(sessionRecord('k1', {user: 'Alice'}));
      expect(await store.get('k1', Date.now())).toMatchObject({user: 'Alice'});
    } finally {
      await store.close();
    }
  });

  it("keeps a session's record and its bucket's indexes in one hash slot", async () => {
    await withStore({prefix: 'slot:'}, async (store) => {
      for (const key of ['a', 'b', 'c']) {
        const keys = [store.recordKey(key), ...indexKeys(store.bucketOf(key))];
        const slots = await Promise.all(keys.map((k) => cluster.slotOf(k)));
        expect(new Set(slots).size).toBe(1);
      }
    });
  });

  it("spreads one user's sessions over every master, and revokes them all", async () => {
    await withStore({prefix: 'spread:'}, async (store) => {
      const keys = Array.from({length: 30}, (_, i) => `s${i}`);
      await Promise.all(keys.map((k) => store.insert(sessionRecord(k, {user: 'Alice'}))));
      const perMaster = await cluster.keysPerMaster(keys.map((k) => store.recordKey(k)));
      expect(perMaster.size).toBe(3);
      expect((await store.revokeUser('Alice')).sort()).toEqual([...keys].sort());
      expect(await store.list(Date.now(), 'Alice')).toEqual([]);
      expect(await store.count(Date.now())).toBe(0);
    });
  });

  it('acknowledges a write once the slot master’s replica holds it with waitReplicas 1', async () => {
    await withStore({prefix: 'w1:', waitReplicas: 1}, async (store) => {
      await Promise.all(['a', 'b', 'c', 'd'].map((k) => store.insert(sessionRecord(k))));
      const r = await store.mutate('a', {type: 'visit', page: 'P', trailSize: 5}, Date.now());
      expect(r?.record.trail).toEqual(['P']);
      expect(await store.secret('cookie')).toHaveLength(32);
    });
  });

  it('fails a write closed when fewer replicas than asked confirm it', async () => {
    await withStore({prefix: 'w2:', waitReplicas: 2}, async (store) => {
      const err = await store.insert(sessionRecord('k1')).catch((e: unknown) => e);
      expect(isMoinError(err) && err.code === 'store_unavailable').toBe(true);
    });
  });

  it('reloads its scripts on nodes whose script cache is empty (NOSCRIPT)', async () => {
    await withStore({prefix: 'nos:'}, async (store) => {
      await store.insert(sessionRecord('k1', {user: 'Alice'}));
      await cluster.flushScripts();
      const r = await store.mutate('k1', {type: 'visit', page: 'P', trailSize: 5}, Date.now());
      expect(r?.record.trail).toEqual(['P']);
      expect(await store.revokeUser('Alice')).toEqual(['k1']);
    });
  });

  it("follows a session's bucket when resharding moves its slot to another master", async () => {
    await withStore({prefix: 'move:'}, async (store) => {
      await store.insert(sessionRecord('k1', {user: 'Alice'}));
      const slot = await cluster.slotOf(store.recordKey('k1'));
      const from = await cluster.masterOf(store.recordKey('k1'));
      const others = await cluster.keysPerMaster(
        Array.from({length: 30}, (_, i) => store.recordKey(`probe${i}`))
      );
      const to = [...others.keys()].find((port) => port !== from.port)!;
      await cluster.moveSlot(slot, to);
      expect((await cluster.masterOf(store.recordKey('k1'))).port).toBe(to);
      // The record and its bucket's indexes moved together (one slot): the store follows MOVED.
      const r = await store.mutate('k1', {type: 'visit', page: 'Moved', trailSize: 5}, Date.now());
      expect(r?.record.trail).toEqual(['Moved']);
      expect((await store.list(Date.now(), 'Alice')).map((s) => s.ref)).toEqual(['k1']);
      expect(await store.revokeUser('Alice')).toEqual(['k1']);
      expect(await store.get('k1', Date.now())).toBeUndefined();
    });
  });

  it('logs in to every node with the user and password of the URL, and fails closed with wrong ones', async () => {
    for (const n of cluster.nodes) {
      await askRedis(n.port, (c) =>
        c.call('ACL', 'SETUSER', 'moin', 'on', '>s3cret', '~*', '&*', '+@all')
      );
    }
    const withAuth = (auth: string) =>
      cluster.url.replace('redis+cluster://', `redis+cluster://${auth}@`);
    const store = new RedisStore(withAuth('moin:s3cret'), {prefix: 'auth:'});
    const wrong = new RedisStore(withAuth('moin:wrong'), {prefix: 'auth:'});
    try {
      await Promise.all(['a', 'b', 'c', 'd'].map((k) => store.insert(sessionRecord(k))));
      expect(await store.count(Date.now())).toBe(4);
      const err = await wrong.get('a', Date.now()).catch((e: unknown) => e);
      expect(isMoinError(err) && err.code === 'store_unavailable').toBe(true);
    } finally {
      await Promise.all([store.close(), wrong.close()]);
    }
  });
});
