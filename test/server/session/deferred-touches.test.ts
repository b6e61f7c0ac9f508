import {afterEach, describe, expect, it, vi} from 'vitest';
import {resolveConfig} from '../../../shared/index.js';
import {MemoryBus} from '../../../server/bus/memory-bus.js';
import {DeferredTouches} from '../../../server/session/deferred-touches.js';
import {sessionKey} from '../../../server/session/ids.js';
import {SessionEngine} from '../../../server/session/session-engine.js';
import {MemoryStore} from '../../../server/store/memory-store.js';
import {SqliteStore} from '../../../server/store/sqlite-store.js';
import type {SessionStore} from '../../../server/store/types.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {sessionRecord} from '../../support/session-record.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LIFETIME = 12 * HOUR;

let dir: TempDir | null = null;
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
  await dir?.cleanup();
  dir = null;
});

/** An engine on a real SQLite file with deferred touches; Bob's session last slid `ago` ms back. */
async function setup(ago: number, options: {flushMs?: number} = {}) {
  dir = await makeTempDir('moin-touch-');
  const store = new SqliteStore(dir.file('sessions.db'), {purgeIntervalMs: 0});
  const clock = {ms: Math.floor(Date.now() / MINUTE) * MINUTE + 30_000};
  const touches = new DeferredTouches(store, {flushMs: options.flushMs ?? 50, now: () => clock.ms});
  const engine = new SessionEngine({
    config: resolveConfig({}),
    store,
    users: new MemoryUsers({Bob: {password: 'b'}}),
    bus: new MemoryBus(),
    now: () => clock.ms,
    touches,
  });
  closing.push(async () => {
    await engine.close();
    await store.close();
  });
  const sid = 'S'.repeat(43);
  const key = sessionKey(sid);
  const minute = Math.floor(clock.ms / MINUTE) * MINUTE;
  const oldExpiry = minute - ago + LIFETIME;
  await store.insert(sessionRecord(key, {user: 'Bob', expiresAt: oldExpiry}, clock.ms - HOUR));
  const request = async () => {
    const ctx = await engine.load({cookie: `MOIN_SESSION=${sid}`, secure: false, address: 'x'});
    const cookies = await engine.finish(ctx);
    return {ctx, cookies, view: engine.view(ctx)};
  };
  return {store, clock, touches, engine, key, minute, oldExpiry, request};
}

describe('deferred expiry touches', () => {
  it('answers with the slid expiry at once and writes it a moment later, once for many requests', async () => {
    const {store, touches, key, minute, oldExpiry, request, clock} = await setup(2 * MINUTE);
    const mutate = vi.spyOn(store, 'mutate');
    const touchLater = vi.spyOn(store, 'touchLater');
    const answers = await Promise.all([request(), request(), request()]);
    for (const {view, cookies} of answers) {
      expect(view.expiresAt).toBe(new Date(minute + LIFETIME).toISOString());
      expect(cookies[0]).toContain(`Max-Age=${LIFETIME / 1000}`);
    }
    expect((await store.get(key, clock.ms))!.expiresAt).toBe(oldExpiry);
    expect(touches.size).toBe(1);
    // The store shows the write as soon as it committed; the waiting touch is dropped when its
    // write settles, a moment after.
    await vi.waitFor(async () => {
      expect((await store.get(key, clock.ms))!.expiresAt).toBe(minute + LIFETIME);
      expect(touches.size).toBe(0);
    });
    // One touch, in one batch call, and no mutate of the session at all.
    expect(touchLater.mock.calls.flatMap(([batch]) => batch)).toEqual([[key, minute + LIFETIME]]);
    expect(mutate).not.toHaveBeenCalled();
  });

  it('keeps a session touched, then read after its old expiry, alive', async () => {
    const {store, key, minute, oldExpiry, request, clock} = await setup(2 * MINUTE);
    await request();
    await vi.waitFor(async () =>
      expect((await store.get(key, clock.ms))!.expiresAt).toBe(minute + LIFETIME)
    );
    clock.ms = oldExpiry + 1;
    const later = await request();
    expect(later.ctx.record).not.toBeNull();
    expect(later.view.user).toEqual({name: 'Bob'});
    expect(await store.get(key, clock.ms)).toBeDefined();
  });

  it('defers a slide of up to a twentieth of the lifetime (36 minutes of 12 hours)', async () => {
    const {store, touches, key, oldExpiry, request, clock} = await setup(35 * MINUTE);
    await request();
    expect(touches.size).toBe(1);
    expect((await store.get(key, clock.ms))!.expiresAt).toBe(oldExpiry);
  });

  it('writes before answering a longer slide (the most a crash may cost)', async () => {
    const {store, touches, key, minute, request, clock} = await setup(37 * MINUTE);
    await request();
    expect(touches.size).toBe(0);
    expect((await store.get(key, clock.ms))!.expiresAt).toBe(minute + LIFETIME);
  });

  it('defers at least 5 minutes of slide for a short lifetime, and no more', async () => {
    const touches = new DeferredTouches(new MemoryStore());
    const now = Date.now();
    // An hour's session: a twentieth is 3 minutes, so the 5-minute floor decides.
    const at = (slide: number) => sessionRecord('k', {expiresAt: now + HOUR - slide}, now);
    expect(touches.defer(at(5 * MINUTE), now + HOUR, now)).toMatchObject({expiresAt: now + HOUR});
    touches.forget('k');
    expect(touches.defer(at(5 * MINUTE + 1), now + HOUR, now)).toBeNull();
    await touches.close();
  });

  it('writes before answering when the stored expiry is less than a minute away', async () => {
    dir = await makeTempDir('moin-touch-');
    const store = new SqliteStore(dir.file('sessions.db'), {purgeIntervalMs: 0});
    closing.push(() => store.close());
    const touches = new DeferredTouches(store);
    const now = Date.now();
    const r = sessionRecord('k', {expiresAt: now + 59_000}, now);
    await store.insert(r);
    expect(touches.defer(r, now + 60_000, now)).toBeNull();
    expect(touches.defer({...r, expiresAt: now + 61_000}, now + 62_000, now)).not.toBeNull();
    // Never a touch that moves the expiry back (the session cap shortens it at once).
    expect(touches.defer(r, now + 58_000, now)).toBeNull();
    await touches.close();
  });

  it('never moves an expiry back: a deferred touch written after a later one leaves it', async () => {
    const {store, touches, key, minute, request, clock} = await setup(2 * MINUTE, {
      flushMs: 60_000,
    });
    await request();
    expect(touches.size).toBe(1);
    // Another instance (or this one, past the 5-minute bound) slides it further first.
    const further = minute + LIFETIME + MINUTE;
    await store.mutate(key, {type: 'touch', expiresAt: further}, clock.ms);
    await touches.flush();
    expect(touches.size).toBe(0);
    expect((await store.get(key, clock.ms))!.expiresAt).toBe(further);
  });

  it('keeps touches whose write failed and writes them at the next flush', async () => {
    dir = await makeTempDir('moin-touch-');
    const store = new SqliteStore(dir.file('sessions.db'), {purgeIntervalMs: 0});
    closing.push(() => store.close());
    const errors: unknown[] = [];
    const touches = new DeferredTouches(store, {flushMs: 20, onError: (e) => errors.push(e)});
    const now = Date.now();
    const r = sessionRecord('k', {expiresAt: now + HOUR}, now);
    await store.insert(r);
    const real = store.touchLater.bind(store);
    let fail = true;
    vi.spyOn(store as SessionStore, 'touchLater').mockImplementation((touches, n) =>
      fail ? Promise.reject(new Error('disk gone')) : real(touches, n)
    );
    touches.defer(r, now + HOUR + MINUTE, now);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(touches.size).toBe(1);
    fail = false;
    await vi.waitFor(() => expect(touches.size).toBe(0));
    expect((await store.get('k', now))!.expiresAt).toBe(now + HOUR + MINUTE);
    await touches.close();
  });
});
