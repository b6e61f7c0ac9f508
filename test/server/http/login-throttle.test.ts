import {describe, expect, it} from 'vitest';
import {LoginThrottle} from '../../../server/http/login-throttle.js';

function throttle(max = 3, windowSeconds = 60, maxKeys?: number) {
  const clock = {ms: 1_000_000};
  const t = new LoginThrottle({
    maxFailures: max,
    windowSeconds,
    now: () => clock.ms,
    ...(maxKeys ? {maxKeys} : {}),
  });
  return {t, clock};
}

/** One whole failed attempt. */
async function fail(t: LoginThrottle, name: string, address: string): Promise<void> {
  expect(await t.begin(name, address)).toBe(0);
  await t.end(name, address, false);
}

describe('LoginThrottle', async () => {
  it('allows logins until the name reaches maxFailures, then says how long to wait', async () => {
    const {t, clock} = throttle();
    await fail(t, 'Alice', '1.1.1.1');
    await fail(t, 'Alice', '2.2.2.2');
    expect(await t.retryAfter('Alice', '3.3.3.3')).toBe(0);
    clock.ms += 20_000;
    await fail(t, 'Alice', '3.3.3.3');
    // The window runs from the first attempt: 40 s are left.
    expect(await t.retryAfter('Alice', '4.4.4.4')).toBe(40);
    clock.ms += 39_500;
    expect(await t.retryAfter('Alice', '4.4.4.4')).toBe(1);
    clock.ms += 500;
    expect(await t.retryAfter('Alice', '4.4.4.4')).toBe(0);
  });

  it('counts nameless failures per address alone (the back-end secret), after the limit refusing the address', async () => {
    const {t} = throttle();
    await t.failAddress('9.9.9.9');
    await t.failAddress('9.9.9.9');
    expect(await t.retryAfterAddress('9.9.9.9')).toBe(0);
    await t.failAddress('9.9.9.9');
    expect(await t.retryAfterAddress('9.9.9.9')).toBe(60);
    expect(await t.retryAfterAddress('8.8.8.8')).toBe(0);
    // One key: no name window is made for the address.
    expect(t.size).toBe(1);
  });

  it('counts an address across names', async () => {
    const {t} = throttle();
    for (const n of ['a', 'b', 'c']) await fail(t, n, '9.9.9.9');
    expect(await t.retryAfter('d', '9.9.9.9')).toBeGreaterThan(0);
    expect(await t.retryAfter('d', '8.8.8.8')).toBe(0);
  });

  it('counts the addresses of one IPv6 /64 as one address', async () => {
    const {t} = throttle();
    for (const [n, a] of [
      ['a', '2001:db8:1:2::1'],
      ['b', '2001:db8:1:2::2'],
      ['c', '2001:db8:1:2:ffff::3'],
    ] as const) {
      await fail(t, n, a);
    }
    expect(await t.retryAfter('d', '2001:db8:1:2::4')).toBeGreaterThan(0);
    expect(await t.retryAfter('d', '2001:db8:1:3::4')).toBe(0);
    expect(await t.retryAfter('d', '::ffff:9.9.9.9')).toBe(0);
  });

  it('clears a name after a success but not its address', async () => {
    const {t} = throttle();
    for (let i = 0; i < 2; i++) await fail(t, 'Alice', '9.9.9.9');
    expect(await t.begin('Alice', '9.9.9.9')).toBe(0);
    await t.end('Alice', '9.9.9.9', true);
    await fail(t, 'Bob', '9.9.9.9');
    expect(await t.retryAfter('Alice', '1.1.1.1')).toBe(0);
    expect(await t.retryAfter('Alice', '9.9.9.9')).toBeGreaterThan(0);
  });

  it('forgets expired windows and keeps at most maxKeys', async () => {
    const {t, clock} = throttle(3, 60, 10);
    for (let i = 0; i < 20; i++) await fail(t, `user${i}`, `10.0.0.${i}`);
    expect(t.size).toBe(10);
    clock.ms += 61_000;
    await fail(t, 'x', 'y');
    expect(t.size).toBe(2);
  });

  it('counts checks in flight: no more than maxFailures start at once for a name', async () => {
    const {t} = throttle();
    const started = await Promise.all(
      Array.from({length: 10}, (_, i) => t.begin('Alice', `10.0.0.${i}`))
    );
    expect(started.filter((w) => w === 0)).toHaveLength(3);
    // Refused only because checks are still running: they may succeed, so retry soon.
    expect(started.at(-1)).toBe(1);
  });

  it('counts checks in flight per address across names', async () => {
    const {t} = throttle();
    const started = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => t.begin(n, '9.9.9.9')));
    expect(started.filter((w) => w === 0)).toHaveLength(3);
    expect(await t.begin('f', '8.8.8.8')).toBe(0);
  });

  it('gives a successful check back, so successes never lock anyone out', async () => {
    const {t} = throttle();
    for (let i = 0; i < 10; i++) {
      expect(await t.begin(`user${i}`, '192.0.2.1')).toBe(0);
      await t.end(`user${i}`, '192.0.2.1', true);
    }
    expect(t.size).toBe(0);
  });

  it('keeps checks that outlive their window counted in the next one', async () => {
    const {t, clock} = throttle(2, 60);
    expect(await t.begin('Alice', '1.1.1.1')).toBe(0);
    expect(await t.begin('Alice', '1.1.1.2')).toBe(0);
    clock.ms += 61_000;
    expect(await t.begin('Alice', '1.1.1.3')).toBe(1);
    await t.end('Alice', '1.1.1.1', false);
    await t.end('Alice', '1.1.1.2', false);
    expect(await t.retryAfter('Alice', '1.1.1.4')).toBe(60);
  });
});
