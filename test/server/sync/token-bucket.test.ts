import {describe, expect, it} from 'vitest';
import {TokenBucket} from '../../../server/sync/token-bucket.js';

describe('TokenBucket', () => {
  it('allows a full burst at once, then refuses', () => {
    const t = 0;
    const b = new TokenBucket(1, 50, () => t);
    const taken = Array.from({length: 60}, () => b.take()).filter(Boolean).length;
    expect(taken).toBe(50);
  });

  it('refills at the rate, never above the burst', () => {
    let t = 0;
    const b = new TokenBucket(10, 5, () => t);
    for (let i = 0; i < 5; i++) b.take();
    expect(b.take()).toBe(false);
    t += 200; // 2 tokens
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    t += 60_000;
    expect(Array.from({length: 8}, () => b.take()).filter(Boolean)).toHaveLength(5);
  });

  it('ignores a clock that steps back', () => {
    let t = 1000;
    const b = new TokenBucket(1, 1, () => t);
    expect(b.take()).toBe(true);
    t = 0;
    expect(b.take()).toBe(false);
  });
});
