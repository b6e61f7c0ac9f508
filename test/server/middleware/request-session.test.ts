import {describe, expect, it} from 'vitest';
import {MAX_SESSION_DATA_BYTES} from '../../../shared/index.js';
import {RequestSession} from '../../../server/middleware/request-session.js';
import type {SessionContext, SessionEngine} from '../../../server/session/session-engine.js';
import type {SessionRecord} from '../../../server/store/types.js';

/** A request's session over a stored record holding `data` (the engine is not needed for values). */
function sessionWith(data: Record<string, unknown>): RequestSession {
  const ctx = {record: {data} as unknown as SessionRecord} as SessionContext;
  return new RequestSession(ctx, {} as SessionEngine);
}

describe('RequestSession limits', () => {
  it('takes values up to 64 KiB of JSON and refuses the next with a RangeError, unchanged', () => {
    const s = sessionWith({});
    // {"a":"…"} is 8 bytes besides the string.
    s.set('a', 'x'.repeat(MAX_SESSION_DATA_BYTES - 8));
    expect(() => s.set('b', 1)).toThrow(RangeError);
    expect(s.has('b')).toBe(false);
    expect(s.changes()?.set).toEqual({a: 'x'.repeat(MAX_SESSION_DATA_BYTES - 8)});
  });

  it('counts UTF-8 bytes, not characters', () => {
    const s = sessionWith({});
    expect(() => s.set('a', 'ä'.repeat(MAX_SESSION_DATA_BYTES / 2))).toThrow(RangeError);
    s.set('a', 'ä'.repeat(MAX_SESSION_DATA_BYTES / 2 - 8));
  });

  it('counts the values already stored', () => {
    const s = sessionWith({old: 'y'.repeat(MAX_SESSION_DATA_BYTES - 20)});
    expect(() => s.set('new', 'z'.repeat(20))).toThrow(/larger than 64 KiB/);
    s.delete('old');
    s.set('new', 'z'.repeat(20));
  });

  it('refuses keys over 200 characters with a TypeError', () => {
    const s = sessionWith({});
    s.set('k'.repeat(200), 1);
    expect(() => s.set('k'.repeat(201), 1)).toThrow(TypeError);
  });
});
