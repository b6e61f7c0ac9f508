import {afterEach, describe, expect, it} from 'vitest';
import {RedisStore} from '../../../server/store/redis-store.js';
import {freePort, startRedisServer, type RedisServer} from '../../support/redis-server.js';

let server: RedisServer | undefined;
let store: RedisStore | undefined;

afterEach(async () => {
  await store?.close();
  await server?.stop();
  server = store = undefined;
});

describe('whenReady', () => {
  it('lets 50 commands wait for the first connection with one listener and no warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const port = await freePort();
      store = new RedisStore(`redis://127.0.0.1:${port}`, {prefix: 'wr:'});
      // Redis is not there yet: every command waits for the first ready, all at once.
      const reads = Promise.all(
        Array.from({length: 50}, (_, i) => store!.get(`k${i}`, Date.now()))
      );
      server = await startRedisServer({port});
      expect(await reads).toEqual(Array.from({length: 50}, () => undefined));
      // Warnings are emitted on the next tick.
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
