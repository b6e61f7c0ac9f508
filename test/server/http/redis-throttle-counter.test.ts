import {describe, expect, it} from 'vitest';
import {isMoinError} from '../../../shared/index.js';
import {RedisThrottleCounter} from '../../../server/http/redis-throttle-counter.js';
import {freePort, useRedisServer} from '../../support/redis-server.js';
import {describeThrottleCounterConformance} from './throttle-counter-conformance.js';

const suite = useRedisServer();
let prefixSeq = 0;

describeThrottleCounterConformance('redis', (options) => {
  // A fresh prefix per counter is an empty one; cleanup removes every key under it.
  const prefix = `thr${++prefixSeq}:`;
  const counter = new RedisThrottleCounter(suite.server.url, {...options, prefix});
  return Promise.resolve({
    counter,
    async cleanup() {
      await counter.close();
      const keys = await suite.raw.keys(`${prefix}*`);
      if (keys.length > 0) await suite.raw.del(...keys);
    },
  });
});

/** A counter (5 per minute) under `prefix` on the suite's Redis, closed after the test. */
function counterOn(prefix: string, url = suite.server.url): RedisThrottleCounter {
  const c = new RedisThrottleCounter(url, {maxFailures: 5, windowMs: 60_000, prefix});
  suite.open.push(c);
  return c;
}

describe('RedisThrottleCounter', () => {
  it('shares the count between counters on one Redis (two instances)', async () => {
    const a = counterOn('shared:');
    const b = counterOn('shared:');
    const waits = await Promise.all(
      Array.from({length: 60}, (_, i) => (i % 2 ? a : b).take(['login/n:Alice']))
    );
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
  });

  it('keeps each key bounded, in the {throttle} hash tag, with no name in it, expiring with its window', async () => {
    const c = counterOn('keys:');
    const name = 'Alice-' + 'x'.repeat(500);
    expect(await c.take([`login/n:${name}`, 'login/a:192.0.2.1'])).toBe(0);
    const keys = await suite.raw.keys('keys:*');
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      expect(k).toMatch(/^keys:\{throttle\}[0-9a-f]{32}$/);
      expect(k).not.toContain('Alice');
      const ttl = await suite.raw.pttl(k);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('deletes a key whose last attempt is given back', async () => {
    const c = counterOn('gone:');
    expect(await c.take(['login/n:Alice'])).toBe(0);
    await c.end(['login/n:Alice'], true, ['login/n:Alice']);
    expect(await suite.raw.keys('gone:*')).toEqual([]);
    // A late end on a key that is gone makes nothing.
    await c.end(['login/n:Alice'], false, []);
    expect(await suite.raw.keys('gone:*')).toEqual([]);
  });

  it('fails closed with store_unavailable when Redis cannot be reached', async () => {
    const port = await freePort();
    const c = counterOn('down:', `redis://127.0.0.1:${port}`);
    for (const attempt of [c.take(['login/n:Alice']), c.retryAfter(['login/n:Alice'])]) {
      const err: unknown = await attempt.catch((e: unknown) => e);
      expect(isMoinError(err) && err.code).toBe('store_unavailable');
    }
  }, 15_000);
});
