import type {Redis} from 'ioredis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {isMoinError, resolveConfig} from '../../../shared/index.js';
import {createStore} from '../../../server/store/create-store.js';
import {RedisStore} from '../../../server/store/redis-store.js';
import {startSentinelSet, type SentinelSet} from '../../support/redis-sentinel.js';
import {sessionRecord} from '../../support/session-record.js';
import {describeStoreConformance} from './store-conformance.js';

// The Redis store through Sentinel: a master, a replica and three `redis-server --sentinel`.

let set: SentinelSet;
let raw: Redis;
let prefixSeq = 0;

beforeAll(async () => {
  set = await startSentinelSet();
  raw = await set.master();
}, 60_000);

afterAll(async () => {
  raw?.disconnect();
  await set?.stop();
});

describeStoreConformance('redis+sentinel', async () => {
  const prefix = `sc${++prefixSeq}:`;
  const store = new RedisStore(set.url, {prefix});
  return {
    store,
    async cleanup() {
      await store.close();
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
    },
  };
});

describe('RedisStore through Sentinel', () => {
  it('is what createStore opens for a redis+sentinel:// store, on the master', async () => {
    const store = createStore(resolveConfig({store: set.url, redis_prefix: 'cfgs:'}));
    try {
      await store.insert(sessionRecord('k1', {user: 'Alice'}));
      expect(await raw.exists((store as RedisStore).recordKey('k1'))).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('acknowledges a write only once a replica holds it with waitReplicas 1', async () => {
    const store = new RedisStore(set.url, {prefix: 'w1:', waitReplicas: 1});
    try {
      await store.insert(sessionRecord('k1'));
      expect(await store.get('k1', Date.now())).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('fails a write closed when fewer replicas than asked confirm it', async () => {
    const store = new RedisStore(set.url, {prefix: 'w2:', waitReplicas: 2});
    try {
      const err = await store.insert(sessionRecord('k1')).catch((e: unknown) => e);
      expect(isMoinError(err) && err.code === 'store_unavailable').toBe(true);
      // The signing key too: a key only the master holds would be lost with it.
      const secret = await store.secret('cookie').catch((e: unknown) => e);
      expect(isMoinError(secret) && secret.code === 'store_unavailable').toBe(true);
    } finally {
      await store.close();
    }
  });
});
