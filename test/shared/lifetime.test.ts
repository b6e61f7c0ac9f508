import {describe, expect, it} from 'vitest';
import {FOREVER_SECONDS, expiryFor, sessionLifetime} from '../../shared/index.js';

const anonymous = {loggedIn: false, rememberMe: false};
const remembered = {loggedIn: true, rememberMe: true};
const notRemembered = {loggedIn: true, rememberMe: false};

describe('sessionLifetime', () => {
  // The README's lifetime table (1.9's rule), row by row: cookie_lifetime, who, Max-Age in
  // seconds (0 = no cookie).
  it.each([
    [[0, 12], anonymous, 0],
    [[1, 12], anonymous, 3600],
    [[-1, 12], anonymous, 3600],
    [[0, 12], remembered, 315_360_000],
    [[0, 12], notRemembered, 43_200],
    [[0, -12], remembered, 43_200],
    [[0, 0.5], notRemembered, 1800],
    [[0, 0.5], remembered, 315_360_000],
    [[0, 0], remembered, 0],
    [[0, 0], notRemembered, 0],
  ] as const)('gives %j for %j → %i s, as 1.9 does', (lifetime, who, seconds) => {
    expect(sessionLifetime(lifetime, who)).toBe(seconds);
  });

  it('makes "forever" 10 years of seconds', () => {
    expect(FOREVER_SECONDS).toBe(10 * 365 * 24 * 3600);
  });

  it('ignores remember_me for anonymous sessions', () => {
    expect(sessionLifetime([1, 12], {loggedIn: false, rememberMe: true})).toBe(3600);
  });

  it('takes fractions of hours', () => {
    expect(sessionLifetime([0.25, 12], anonymous)).toBe(900);
    expect(sessionLifetime([0, 1 / 3600], notRemembered)).toBe(1);
    expect(sessionLifetime([0, -0.5], remembered)).toBe(1800);
  });

  it('truncates toward zero like int(), before abs and before the remember_me check', () => {
    // 1.9 s → 1; -1.9 s → -1 → 1 (floor would give 2).
    expect(sessionLifetime([1.9 / 3600, 12], anonymous)).toBe(1);
    expect(sessionLifetime([-1.9 / 3600, 12], anonymous)).toBe(1);
    // Under one second truncates to 0: no session, even with remember_me.
    expect(sessionLifetime([0, 0.9 / 3600], remembered)).toBe(0);
    expect(sessionLifetime([0, -0.9 / 3600], remembered)).toBe(0);
  });
});

describe('expiryFor', () => {
  const minute = 60_000;
  const boundary = 28_333_335 * minute;

  it('rounds now down to the minute and adds the lifetime', () => {
    expect(expiryFor(boundary + 23_456, 3600)).toBe(boundary + 3_600_000);
    expect(expiryFor(boundary + minute - 1, 3600)).toBe(boundary + 3_600_000);
    expect(expiryFor(boundary + minute, 3600)).toBe(boundary + minute + 3_600_000);
  });

  it('keeps a time exactly on the minute', () => {
    expect(expiryFor(boundary, 0)).toBe(boundary);
  });

  it('reaches 10 years for remember_me', () => {
    expect(expiryFor(boundary, FOREVER_SECONDS)).toBe(boundary + FOREVER_SECONDS * 1000);
  });
});
