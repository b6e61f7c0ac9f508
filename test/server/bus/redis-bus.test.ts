import {describe, expect, it} from 'vitest';
import {resolveConfig} from '../../../shared/index.js';
import {createBus} from '../../../server/bus/create-bus.js';
import {MemoryBus} from '../../../server/bus/memory-bus.js';
import {REDIS_BUS_HEARTBEAT_MS, RedisBus, RESYNC_MESSAGE} from '../../../server/bus/redis-bus.js';
import {RedisStore} from '../../../server/store/redis-store.js';
import {sessionRecord} from '../../support/session-record.js';
import {freePort, startRedisServer, useRedisServer} from '../../support/redis-server.js';

const suite = useRedisServer();
const {open} = suite;

async function newBus(prefix: string, url = suite.server.url): Promise<RedisBus> {
  const bus = new RedisBus(url, {prefix});
  open.push(bus);
  await bus.ready();
  return bus;
}

/** Collects what a bus delivers. */
function record(bus: RedisBus) {
  const keys: string[] = [];
  let resyncs = 0;
  bus.subscribe((k) => keys.push(k));
  bus.onResync(() => resyncs++);
  return {keys, resyncs: () => resyncs};
}

describe('RedisBus across two connections', () => {
  it('delivers a key published on one instance to the listeners of another', async () => {
    const a = await newBus('x1:');
    const b = await newBus('x1:');
    const got = record(b);
    await a.publish('key-1');
    await expect.poll(() => got.keys).toEqual(['key-1']);
  });

  it('delivers its own change once, at once, without waiting for Redis', async () => {
    const a = await newBus('x2:');
    const got = record(a);
    const sent = a.publish('mine');
    // Delivered synchronously inside publish, before Redis has answered.
    expect(got.keys).toEqual(['mine']);
    await sent;
    await new Promise((r) => setTimeout(r, 100));
    expect(got.keys).toEqual(['mine']);
  });

  it("hands its own change's rev to its listeners; another instance hears the key alone", async () => {
    const a = await newBus('x2r:');
    const b = await newBus('x2r:');
    const mine: unknown[][] = [];
    const theirs: unknown[][] = [];
    a.subscribe((...args) => mine.push(args));
    b.subscribe((...args) => theirs.push(args));
    await a.publish('k', 7);
    expect(mine).toEqual([['k', 7]]);
    await expect.poll(() => theirs).toEqual([['k', undefined]]);
  });

  it('uses one channel for every session', async () => {
    const a = await newBus('x3:');
    await newBus('x3:');
    for (const k of ['s1', 's2', 's3']) await a.publish(k);
    expect(await suite.raw.pubsub('CHANNELS', 'x3:*')).toEqual(['x3:changes']);
    expect(await suite.raw.pubsub('NUMSUB', 'x3:changes')).toEqual(['x3:changes', 2]);
  });

  it('does not hear another prefix', async () => {
    const a = await newBus('x4a:');
    const b = await newBus('x4b:');
    const got = record(b);
    await a.publish('other');
    await b.publish('own');
    await expect.poll(() => got.keys).toEqual(['own']);
  });

  it('delivers revocations that the store publishes from its script (the CLI path)', async () => {
    const bus = await newBus('x5:');
    const got = record(bus);
    const store = new RedisStore(suite.server.url, {prefix: 'x5:'});
    open.push(store);
    await store.insert(sessionRecord('revoked', {user: 'Zed'}));
    await store.revokeUser('Zed');
    await expect.poll(() => got.keys).toEqual(['revoked']);
  });

  it('publishes a change made before its first connection is up (a short-lived CLI)', async () => {
    const listener = await newBus('x7:');
    const got = record(listener);
    const cli = new RedisBus(suite.server.url, {prefix: 'x7:'});
    open.push(cli);
    await cli.publish('from-cli');
    await expect.poll(() => got.keys).toEqual(['from-cli']);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.resyncs()).toBe(0);
  });

  it('resyncs every instance when asked to', async () => {
    const a = await newBus('x6:');
    const got = record(a);
    await suite.raw.publish('x6:changes', RESYNC_MESSAGE);
    await expect.poll(() => got.resyncs()).toBe(1);
    expect(got.keys).toEqual([]);
  });
});

describe('RedisBus after the subscriber reconnects', () => {
  it('resubscribes, resyncs, and hears later changes when its connection is killed', async () => {
    const a = await newBus('r1:');
    const b = await newBus('r1:');
    const got = record(b);
    await suite.raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => got.resyncs(), {timeout: 10_000}).toBeGreaterThanOrEqual(1);
    await a.publish('after');
    await expect.poll(() => got.keys).toEqual(['after']);
  });

  it('resyncs both instances after Redis is restarted, then fans out again', async () => {
    const own = await startRedisServer();
    try {
      const a = await newBus('r2:', own.url);
      const b = await newBus('r2:', own.url);
      const ga = record(a);
      const gb = record(b);
      await own.kill();
      // Published while Redis is down: delivered locally, lost for b, repaired by a resync.
      await a.publish('during');
      expect(ga.keys).toEqual(['during']);
      const back = await startRedisServer({port: own.port});
      try {
        await expect.poll(() => gb.resyncs(), {timeout: 10_000}).toBeGreaterThanOrEqual(1);
        await expect.poll(() => ga.resyncs(), {timeout: 10_000}).toBeGreaterThanOrEqual(1);
        await a.ready();
        await b.ready();
        await a.publish('later');
        await expect.poll(() => gb.keys).toEqual(['later']);
      } finally {
        await back.stop();
      }
    } finally {
      await own.stop();
    }
  });

  it('notices a Redis that hangs without closing the socket, and resyncs once it answers', async () => {
    const own = await startRedisServer();
    try {
      const a = await newBus('r4:', own.url);
      const got = record(a);
      own.process.kill('SIGSTOP');
      // The heartbeat's PING times out and the connection is dropped while Redis is frozen.
      await new Promise((r) => setTimeout(r, REDIS_BUS_HEARTBEAT_MS + 3_500));
      expect(got.resyncs()).toBe(0);
      own.process.kill('SIGCONT');
      await expect.poll(() => got.resyncs(), {timeout: 5_000}).toBe(1);
    } finally {
      own.process.kill('SIGCONT');
      await own.stop();
    }
  }, 20_000);

  it('resyncs when its first connection comes only after a failed start', async () => {
    const port = await freePort();
    const bus = new RedisBus(`redis://127.0.0.1:${port}`, {prefix: 'r5:'});
    open.push(bus);
    const got = record(bus);
    await new Promise((r) => setTimeout(r, 300));
    const own = await startRedisServer({port});
    try {
      await bus.ready();
      await expect.poll(() => got.resyncs()).toBe(1);
    } finally {
      await own.stop();
    }
  });

  it('does not resync on its first connection', async () => {
    const a = await newBus('r3:');
    const got = record(a);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.resyncs()).toBe(0);
  });
});

describe('createBus', () => {
  it('gives a redis:// store a RedisBus on the same URL and prefix', async () => {
    const bus = createBus(resolveConfig({store: suite.server.url, redis_prefix: 'cb:'}));
    open.push(bus);
    expect(bus).toBeInstanceOf(RedisBus);
    expect((bus as RedisBus).channel).toBe('cb:changes');
  });

  it('gives any other store an in-process bus', async () => {
    const bus = createBus(resolveConfig({store: 'memory:'}));
    open.push(bus);
    expect(bus).toBeInstanceOf(MemoryBus);
  });
});
