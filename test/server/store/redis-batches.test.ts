import {describe, expect, it} from 'vitest';
import {KeyedBatches} from '../../../server/store/redis-batches.js';

/** A batch runner that records its calls and finishes when told to. */
function recorder() {
  const calls: [string, number[]][] = [];
  const gates: (() => void)[] = [];
  const batches = new KeyedBatches<number, string>(async (key, items) => {
    calls.push([key, items]);
    await new Promise<void>((r) => gates.push(r));
    if (items.includes(-1)) throw new Error('boom');
    return items.map((i) => `${key}:${i}`);
  });
  const release = async () => {
    await new Promise((r) => setImmediate(r));
    gates.splice(0).forEach((g) => g());
    await new Promise((r) => setImmediate(r));
  };
  return {batches, calls, release};
}

describe('KeyedBatches', () => {
  it('runs the items that arrive during a batch together as the next batch, in order', async () => {
    const {batches, calls, release} = recorder();
    const first = batches.add('k', 1);
    const rest = [2, 3, 4].map((i) => batches.add('k', i));
    await release();
    await release();
    expect(await first).toBe('k:1');
    expect(await Promise.all(rest)).toEqual(['k:2', 'k:3', 'k:4']);
    expect(calls).toEqual([
      ['k', [1]],
      ['k', [2, 3, 4]],
    ]);
  });

  it('never makes one key wait for another', async () => {
    const {batches, calls} = recorder();
    void batches.add('a', 1);
    void batches.add('b', 2);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([
      ['a', [1]],
      ['b', [2]],
    ]);
  });

  it('rejects only the batch that failed and goes on with the next', async () => {
    const {batches, release} = recorder();
    // The expectation is attached before the batch fails, so the rejection is never unhandled.
    const failed = expect(batches.add('k', -1)).rejects.toThrow('boom');
    const later = batches.add('k', 5);
    await release();
    await failed;
    await release();
    expect(await later).toBe('k:5');
  });
});
