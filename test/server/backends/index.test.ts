import {describe, expect, it} from 'vitest';
import {resolveConfig} from '../../../shared/index.js';
import {backendFor} from '../../../server/backends/index.js';
import {MEMORY_BACKEND} from '../../../server/backends/memory.js';
import {REDIS_BACKEND} from '../../../server/backends/redis.js';
import {SQLITE_BACKEND} from '../../../server/backends/sqlite.js';
import {MemoryThrottleCounter} from '../../../server/http/memory-throttle-counter.js';
import {RedisThrottleCounter} from '../../../server/http/redis-throttle-counter.js';

const BY_NAME = {memory: MEMORY_BACKEND, sqlite: SQLITE_BACKEND, redis: REDIS_BACKEND};

describe('backendFor', () => {
  it.each([
    ['memory:', 'memory', true],
    ['sqlite:./x.db', 'sqlite', false],
    ['redis://h:6379', 'redis', false],
    ['rediss://h:6379/1', 'redis', false],
    ['redis+sentinel://s:26379/mymaster', 'redis', false],
    ['redis+cluster://n1:7000,n2:7000', 'redis', false],
  ] as const)('maps %s to the %s backend', (url, name, inProcess) => {
    const backend = backendFor(url);
    expect(backend).toBe(BY_NAME[name]);
    expect(backend).toMatchObject({inProcess});
  });

  it('refuses a URL no backend takes', () => {
    expect(() => backendFor('mongodb://h')).toThrow(/not available/);
  });

  it('opens the memory store and bus from a config', async () => {
    const config = resolveConfig({store: 'memory:'});
    const backend = backendFor(config.store);
    const store = backend.openStore(config);
    const bus = backend.openBus(config);
    expect(store.kind).toBe('memory');
    await bus.close();
    await store.close();
  });

  it.each([
    ['memory:', MemoryThrottleCounter],
    ['sqlite:./x.db', MemoryThrottleCounter],
    ['redis://127.0.0.1:1', RedisThrottleCounter],
    ['redis+sentinel://127.0.0.1:1/mymaster', RedisThrottleCounter],
    ['redis+cluster://127.0.0.1:1,127.0.0.1:2', RedisThrottleCounter],
  ] as const)(
    'gives %s a login throttle counter of its kind (shared on Redis)',
    async (url, kind) => {
      const config = resolveConfig({store: url});
      const counter = backendFor(url).openThrottle(config, {maxFailures: 5, windowMs: 60_000});
      expect(counter).toBeInstanceOf(kind);
      await counter.close();
    }
  );
});
