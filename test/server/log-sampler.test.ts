import {describe, expect, it} from 'vitest';
import {LogSampler} from '../../server/log-sampler.js';

describe('LogSampler', () => {
  it('lets the first occurrence through, holds the rest for the interval, then counts them all', () => {
    let now = 1_000;
    const sampler = new LogSampler(10_000, () => now);
    expect(sampler.take()).toBe(1);
    const held = Array.from({length: 500}, () => sampler.take());
    expect(held.every((n) => n === 0)).toBe(true);
    now += 9_999;
    expect(sampler.take()).toBe(0);
    now += 1;
    // The 500 held back, the one at 9,999 ms and this one.
    expect(sampler.take()).toBe(502);
    expect(sampler.take()).toBe(0);
  });

  it('logs again at once after a quiet interval, counting only the new occurrence', () => {
    let now = 0;
    const sampler = new LogSampler(10_000, () => now);
    expect(sampler.take()).toBe(1);
    now += 60_000;
    expect(sampler.take()).toBe(1);
  });
});
