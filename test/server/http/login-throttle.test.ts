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

describe('LoginThrottle', () => {
  it('allows logins until the name reaches maxFailures, then says how long to wait', () => {
    const {t, clock} = throttle();
    t.fail('Alice', '1.1.1.1');
    t.fail('Alice', '2.2.2.2');
    expect(t.retryAfter('Alice', '3.3.3.3')).toBe(0);
    clock.ms += 20_000;
    t.fail('Alice', '3.3.3.3');
    // The window runs from the first failure: 40 s are left.
    expect(t.retryAfter('Alice', '4.4.4.4')).toBe(40);
    clock.ms += 39_500;
    expect(t.retryAfter('Alice', '4.4.4.4')).toBe(1);
    clock.ms += 500;
    expect(t.retryAfter('Alice', '4.4.4.4')).toBe(0);
  });

  it('counts an address across names', () => {
    const {t} = throttle();
    for (const n of ['a', 'b', 'c']) t.fail(n, '9.9.9.9');
    expect(t.retryAfter('d', '9.9.9.9')).toBeGreaterThan(0);
    expect(t.retryAfter('d', '8.8.8.8')).toBe(0);
  });

  it('clears a name after a success but not its address', () => {
    const {t} = throttle();
    for (let i = 0; i < 3; i++) t.fail('Alice', '9.9.9.9');
    t.succeed('Alice');
    expect(t.retryAfter('Alice', '1.1.1.1')).toBe(0);
    expect(t.retryAfter('Alice', '9.9.9.9')).toBeGreaterThan(0);
  });

  it('forgets expired windows and keeps at most maxKeys', () => {
    const {t, clock} = throttle(3, 60, 10);
    for (let i = 0; i < 20; i++) t.fail(`user${i}`, `10.0.0.${i}`);
    expect(t.size).toBe(10);
    clock.ms += 61_000;
    t.fail('x', 'y');
    expect(t.size).toBe(2);
  });
});
