import {EXPIRY_GRANULARITY_MS, FOREVER_SECONDS} from './constants.js';

/** Who a response is for, as far as the lifetime rule cares. While changing user, the real user. */
export interface LifetimeSubject {
  loggedIn: boolean;
  rememberMe: boolean;
}

/**
 * Cookie lifetime in whole seconds, exactly as 1.9's `_get_session_lifetime`:
 * anonymous `|anon| * 3600`; logged in `t = hours * 3600`, and `t > 0` with remember_me gives
 * 10 years, else `|t|`. `int()` truncates toward zero before `abs`, as in 1.9.
 */
export function sessionLifetime(
  cookieLifetime: readonly [number, number],
  subject: LifetimeSubject
): number {
  const hours = subject.loggedIn ? cookieLifetime[1] : cookieLifetime[0];
  const seconds = Math.trunc(hours * 3600);
  if (subject.loggedIn && subject.rememberMe && seconds > 0) return FOREVER_SECONDS;
  return Math.abs(seconds);
}

/**
 * The server-side expiry for a lifetime: the current time rounded down to the minute plus the
 * lifetime, as 1.9 does (so expiry writes happen at most once a minute).
 */
export function expiryFor(nowMs: number, lifetimeSeconds: number): number {
  return Math.floor(nowMs / EXPIRY_GRANULARITY_MS) * EXPIRY_GRANULARITY_MS + lifetimeSeconds * 1000;
}
