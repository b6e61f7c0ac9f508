import {describe, expect, it} from 'vitest';
import {
  classifyCookieValue,
  newSessionId,
  readCookies,
  sessionKey,
  sessionRef,
} from '../../../server/session/ids.js';
import {PendingTokens} from '../../../server/session/pending-tokens.js';

describe('newSessionId', () => {
  it('makes 10,000 distinct URL-safe ids of 256 random bits', () => {
    const ids = new Set(Array.from({length: 10_000}, newSessionId));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is classified as stored; pending tokens never are', () => {
    expect(classifyCookieValue(newSessionId())).toBe('stored');
    const pending = new PendingTokens(Buffer.alloc(32, 7), 3600).issue(Date.now());
    expect(pending).toMatch(/^p\.[A-Za-z0-9_-]{43}$/);
    expect(classifyCookieValue(pending)).toBe('pending');
    for (const v of ['', 'x', 'a'.repeat(42), 'a'.repeat(44), 'p.short', `${'a'.repeat(42)}=`]) {
      expect(classifyCookieValue(v)).toBe('garbage');
    }
  });
});

describe('sessionKey and sessionRef', () => {
  it('hash the id so neither the store key nor the log ref reveals it', () => {
    const id = newSessionId();
    const key = sessionKey(id);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toBe(id);
    expect(sessionKey(id)).toBe(key);
    expect(sessionRef(key)).toBe(key.slice(0, 12));
  });
});

describe('readCookies', () => {
  it('finds every value of the name, unquoted, ignoring other cookies', () => {
    expect(readCookies('a=1; MOIN_SESSION=x; b=2; MOIN_SESSION="y"', 'MOIN_SESSION')).toEqual([
      'x',
      'y',
    ]);
    expect(readCookies('MOIN_SESSION_farm=z; MOIN_SESSION=w', 'MOIN_SESSION')).toEqual(['w']);
  });

  it('never throws on garbage and ignores headers over 16 KiB', () => {
    expect(readCookies(undefined, 'n')).toEqual([]);
    expect(readCookies(';;;==; n', 'n')).toEqual([]);
    expect(readCookies(`n=${'a'.repeat(16_384)}`, 'n')).toEqual([]);
  });
});
