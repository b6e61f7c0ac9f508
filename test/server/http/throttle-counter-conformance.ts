import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {
  ThrottleCounter,
  ThrottleCounterOptions,
} from '../../../server/http/throttle-counter.js';

/** What a conformance factory returns: an empty counter and how to dispose of it. */
export interface OpenedCounter {
  counter: ThrottleCounter;
  /** Closes the counter and removes whatever backs it (Redis keys). */
  cleanup(): Promise<void>;
}

const MAX = 5;
const WINDOW_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one suite every {@link ThrottleCounter} passes (as store-conformance.ts is for stores), on
 * the real clock: `open` is called before every test with the options to count by and must return
 * an empty counter.
 */
export function describeThrottleCounterConformance(
  name: string,
  open: (options: ThrottleCounterOptions) => Promise<OpenedCounter>
): void {
  describe(`${name} throttle counter conformance`, () => {
    let opened: OpenedCounter[] = [];
    const counter = async (options: Partial<ThrottleCounterOptions> = {}) => {
      const o = await open({maxFailures: MAX, windowMs: WINDOW_MS, ...options});
      opened.push(o);
      return o.counter;
    };
    let c: ThrottleCounter;
    beforeEach(async () => {
      c = await counter();
    });
    afterEach(async () => {
      await Promise.all(opened.map((o) => o.cleanup()));
      opened = [];
    });

    /** One whole failed attempt on `keys`. */
    async function fail(keys: string[]): Promise<void> {
      expect(await c.take(keys)).toBe(0);
      await c.end(keys, false, []);
    }

    it('grants exactly maxFailures of 60 takes fired at once on one key', async () => {
      const waits = await Promise.all(Array.from({length: 60}, () => c.take(['n:Alice'])));
      expect(waits.filter((w) => w === 0)).toHaveLength(MAX);
      expect(waits.filter((w) => w > 0)).toHaveLength(60 - MAX);
    });

    it('grants exactly maxFailures of 60 takes at once that share only the address key', async () => {
      const waits = await Promise.all(
        Array.from({length: 60}, (_, i) => c.take([`n:user${i}`, 'a:192.0.2.1']))
      );
      expect(waits.filter((w) => w === 0)).toHaveLength(MAX);
      // Another address is not touched.
      expect(await c.take(['n:user0', 'a:192.0.2.2'])).toBe(0);
    });

    it('takes on all keys or on none: a take refused by its address leaves the name uncounted', async () => {
      for (let i = 0; i < MAX; i++) expect(await c.take([`n:other${i}`, 'a:full'])).toBe(0);
      expect(await c.take(['n:Alice', 'a:full'])).toBeGreaterThan(0);
      const waits = await Promise.all(
        Array.from({length: MAX}, (_, i) => c.take(['n:Alice', `a:free${i}`]))
      );
      expect(waits).toEqual(Array<number>(MAX).fill(0));
      expect(await c.take(['n:Alice', 'a:free-last'])).toBeGreaterThan(0);
    });

    it('asks to retry within 1 s while only attempts in flight fill a key', async () => {
      for (let i = 0; i < MAX; i++) expect(await c.take(['n:Alice'])).toBe(0);
      const wait = await c.take(['n:Alice']);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(1000);
    });

    it('refuses until the window ends once failures fill a key', async () => {
      for (let i = 0; i < MAX; i++) await fail(['n:Alice']);
      const wait = await c.take(['n:Alice']);
      expect(wait).toBeGreaterThan(WINDOW_MS - 10_000);
      expect(wait).toBeLessThanOrEqual(WINDOW_MS);
      expect(await c.retryAfter(['n:Alice'])).toBeGreaterThan(WINDOW_MS - 10_000);
    });

    it('gives a successful attempt back, so successes never fill a key', async () => {
      for (let i = 0; i < 3 * MAX; i++) {
        expect(await c.take(['n:Alice', 'a:192.0.2.1'])).toBe(0);
        await c.end(['n:Alice', 'a:192.0.2.1'], true, []);
      }
      expect(await c.retryAfter(['n:Alice', 'a:192.0.2.1'])).toBe(0);
    });

    it('never gives back below 0: extra ends make no room past maxFailures', async () => {
      expect(await c.take(['n:Alice'])).toBe(0);
      await Promise.all(Array.from({length: 10}, () => c.end(['n:Alice'], true, [])));
      const waits = await Promise.all(Array.from({length: 60}, () => c.take(['n:Alice'])));
      expect(waits.filter((w) => w === 0)).toHaveLength(MAX);
    });

    it('clears the failures of the reset keys on a success, and only theirs', async () => {
      for (let i = 0; i < MAX - 1; i++) await fail(['n:Alice', 'a:192.0.2.1']);
      expect(await c.take(['n:Alice', 'a:192.0.2.1'])).toBe(0);
      await c.end(['n:Alice', 'a:192.0.2.1'], true, ['n:Alice']);
      // The address still has MAX - 1 failures: one more fills it.
      await fail(['n:Bob', 'a:192.0.2.1']);
      expect(await c.retryAfter(['a:192.0.2.1'])).toBeGreaterThan(1000);
      // The name starts over.
      for (let i = 0; i < MAX; i++) expect(await c.take(['n:Alice', `a:10.0.0.${i}`])).toBe(0);
    });

    it('counts nothing on retryAfter', async () => {
      await Promise.all(Array.from({length: 20}, () => c.retryAfter(['n:Alice'])));
      const waits = await Promise.all(Array.from({length: MAX}, () => c.take(['n:Alice'])));
      expect(waits).toEqual(Array<number>(MAX).fill(0));
    });

    it('forgets a key when its window ends', async () => {
      const short = await counter({windowMs: 300});
      for (let i = 0; i < MAX; i++) {
        expect(await short.take(['n:Alice'])).toBe(0);
        await short.end(['n:Alice'], false, []);
      }
      expect(await short.take(['n:Alice'])).toBeGreaterThan(0);
      await sleep(450);
      expect(await short.retryAfter(['n:Alice'])).toBe(0);
      expect(await short.take(['n:Alice'])).toBe(0);
    });
  });
}
