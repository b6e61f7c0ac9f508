import {createHmac, randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {classifyCookieValue} from '../../../server/session/ids.js';
import {
  PENDING_TOKEN_CLOCK_SKEW_SECONDS,
  PENDING_TOKEN_MAX_AGE_SECONDS,
  PendingTokens,
} from '../../../server/session/pending-tokens.js';

const KEY = Buffer.alloc(32, 7);
const HOUR = 3_600;
/** 30 s into a minute, as the HTTP tests' clock. */
const T = Date.UTC(2026, 10, 26, 12, 0, 30);
/** The minute the token's bound is counted from. */
const MINUTE = Date.UTC(2026, 10, 26, 12, 0, 0);

/** The token with its 4-byte issue time replaced, its nonce and MAC kept. */
function redated(token: string, seconds: number): string {
  const raw = Buffer.from(token.slice(2), 'base64url');
  raw.writeUInt32BE(seconds);
  return 'p.' + raw.toString('base64url');
}

describe('PendingTokens', () => {
  it('issues well-formed tokens, all different', () => {
    const tokens = new PendingTokens(KEY, HOUR);
    const issued = new Set(Array.from({length: 1_000}, () => tokens.issue(T)));
    expect(issued.size).toBe(1_000);
    for (const t of issued) expect(classifyCookieValue(t)).toBe('pending');
  });

  it('accepts its token until the anonymous lifetime has passed, counted from the issue minute', () => {
    const tokens = new PendingTokens(KEY, HOUR);
    const token = tokens.issue(T);
    expect(tokens.isOwn(token, T)).toBe(true);
    expect(tokens.isOwn(token, MINUTE + HOUR * 1000 - 1)).toBe(true);
    expect(tokens.isOwn(token, MINUTE + HOUR * 1000)).toBe(false);
    expect(tokens.isOwn(token, T + 10 * 365 * 86_400_000)).toBe(false);
  });

  it('refuses a token older than a day even when the anonymous lifetime is years', () => {
    const tokens = new PendingTokens(KEY, 10 * 365 * 86_400);
    const token = tokens.issue(T);
    const day = PENDING_TOKEN_MAX_AGE_SECONDS * 1000;
    expect(tokens.isOwn(token, MINUTE + day - 1)).toBe(true);
    expect(tokens.isOwn(token, MINUTE + day)).toBe(false);
  });

  it('refuses a token whose issue time was changed, to any time', () => {
    const tokens = new PendingTokens(KEY, HOUR);
    const old = tokens.issue(T - 2 * HOUR * 1000);
    expect(tokens.isOwn(old, T)).toBe(false);
    const now = Math.floor(T / 1000);
    for (const seconds of [now, now - 1, now + 1, 0, 0xffffffff]) {
      expect(tokens.isOwn(redated(old, seconds), T)).toBe(false);
    }
  });

  it('accepts a token dated up to the clock skew ahead (another instance), not further', () => {
    const tokens = new PendingTokens(KEY, HOUR);
    const skew = PENDING_TOKEN_CLOCK_SKEW_SECONDS * 1000;
    expect(tokens.isOwn(tokens.issue(T + skew), T)).toBe(true);
    expect(tokens.isOwn(tokens.issue(T + skew + 1000), T)).toBe(false);
  });

  it('refuses tokens of another key and of the format before the issue time', () => {
    const tokens = new PendingTokens(KEY, HOUR);
    expect(tokens.isOwn(new PendingTokens(Buffer.alloc(32, 8), HOUR).issue(T), T)).toBe(false);
    // The old format: 16 random bytes and HMAC(key, "pending\0" ‖ nonce), first 16 bytes.
    for (let i = 0; i < 100; i++) {
      const nonce = randomBytes(16);
      const mac = createHmac('sha256', KEY).update('pending\0').update(nonce).digest();
      const legacy = 'p.' + Buffer.concat([nonce, mac.subarray(0, 16)]).toString('base64url');
      expect(classifyCookieValue(legacy)).toBe('pending');
      expect(tokens.isOwn(legacy, T)).toBe(false);
    }
  });

  it('maps a token to the same stored id every time, and two tokens to two ids', () => {
    const tokens = new PendingTokens(KEY, HOUR);
    const [a, b] = [tokens.issue(T), tokens.issue(T)];
    expect(tokens.storedIdFor(a)).toBe(new PendingTokens(KEY, HOUR).storedIdFor(a));
    expect(tokens.storedIdFor(a)).not.toBe(tokens.storedIdFor(b));
    expect(classifyCookieValue(tokens.storedIdFor(a))).toBe('stored');
  });
});
