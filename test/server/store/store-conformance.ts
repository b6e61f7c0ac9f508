import {createHash, randomUUID} from 'node:crypto';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {APPLIED_OPS_KEPT} from '../../../shared/index.js';
import type {
  AuditEntry,
  MutateResult,
  SessionOp,
  SessionRecord,
  SessionStore,
} from '../../../server/store/types.js';
import {sessionRecord} from '../../support/session-record.js';
import {decodeOpWindow} from '../../../server/store/op-window.js';

/** What a conformance factory returns: an empty store and how to dispose of it. */
export interface OpenedStore {
  store: SessionStore;
  /** Closes the store and removes whatever backs it (file, Redis keys). */
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The one suite every {@link SessionStore} passes (after Django's SessionTestsMixin): each method
 * and each rule of server/store/types.ts, with explicit `now` values. `open` is called before
 * every test and must return an empty store; nothing here depends on how the store works inside.
 *
 * ```ts
 * describeStoreConformance('memory', async () => {
 *   const store = new MemoryStore();
 *   return {store, cleanup: () => store.close()};
 * });
 * ```
 */
export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name} store conformance`, () => {
    // `now` values near the real clock, so a store with native expiry (Redis TTLs) still holds
    // the rows a test means to be live; "later" instants are then passed explicitly.
    const T0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const LIVE_UNTIL = T0 + HOUR;
    // Keys differ on every run, in case a backend outlives one test.
    const salt = randomUUID();
    const keyFor = (label: string) =>
      createHash('sha256').update(`${salt}:${label}`).digest('base64url');
    const record = (label: string, fields: Partial<SessionRecord> = {}): SessionRecord =>
      sessionRecord(keyFor(label), {expiresAt: LIVE_UNTIL, ...fields}, T0);
    const visit = (page: string, opId?: string, trailSize = 5): SessionOp =>
      opId === undefined
        ? {type: 'visit', page, trailSize}
        : {type: 'visit', page, trailSize, opId};

    let opened: OpenedStore;
    let store: SessionStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    const stored = async (r: SessionRecord) => {
      await store.insert(r);
      return r.key;
    };
    const mutate = async (key: string, op: SessionOp, now = T0): Promise<MutateResult> => {
      const result = await store.mutate(key, op, now);
      if (result === undefined) throw new Error('expected a live session');
      return result;
    };
    const live = async (key: string, now = T0): Promise<SessionRecord> => {
      const r = await store.get(key, now);
      if (r === undefined) throw new Error('expected a live session');
      return r;
    };

    describe('secret', () => {
      it('makes a 32-byte secret once and answers the same one ever after, also at once', async () => {
        const name = `test-${salt}`;
        const all = await Promise.all(Array.from({length: 10}, () => store.secret(name)));
        expect(all[0]).toHaveLength(32);
        for (const s of all) expect(s.equals(all[0]!)).toBe(true);
        expect((await store.secret(name)).equals(all[0]!)).toBe(true);
        expect((await store.secret(`${name}-other`)).equals(all[0]!)).toBe(false);
      });
    });

    describe('get and insert', () => {
      it('returns undefined for a key that was never stored', async () => {
        expect(await store.get(keyFor('nobody'), T0)).toBeUndefined();
      });

      it('returns exactly the record that was inserted', async () => {
        const r = record('a', {user: 'Alice', rememberMe: true, trail: ['A', 'B'], rev: 7});
        await store.insert(r);
        expect(await store.get(r.key, T0)).toEqual(r);
      });

      it('treats a session as gone from the instant it expires', async () => {
        const key = await stored(record('a'));
        expect(await store.get(key, LIVE_UNTIL - 1)).toBeDefined();
        expect(await store.get(key, LIVE_UNTIL)).toBeUndefined();
        expect(await store.get(key, LIVE_UNTIL + HOUR)).toBeUndefined();
      });

      it('changing a returned record changes nothing stored (a copy, or refused)', async () => {
        const key = await stored(record('a', {trail: ['A'], data: {n: {deep: 1}}}));
        const first = await live(key);
        // A store may hand out copies (memory) or frozen shared records (SQLite's cache): the
        // attempt either lands on a copy or throws; it never reaches what others read.
        const attempts = [
          () => first.trail.push('Mallory'),
          () => (first.data['n'] as {deep: number}).deep++,
          () => (first.data['n'] = 2),
        ];
        for (const attempt of attempts) {
          try {
            attempt();
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        }
        expect(await live(key)).toMatchObject({trail: ['A'], data: {n: {deep: 1}}});
      });

      it('destroys the old key in the same step when rotating the id', async () => {
        const old = await stored(record('old', {trail: ['A']}));
        const next = record('new', {user: 'Alice', trail: ['A']});
        await store.insert(next, old);
        expect(await store.get(old, T0)).toBeUndefined();
        expect(await store.get(next.key, T0)).toEqual(next);
        expect((await store.list(T0)).map((s) => s.ref)).toEqual([next.key.slice(0, 12)]);
        expect(await store.destroy(old)).toBe(false);
      });

      it('inserts normally when the old key is null or unknown', async () => {
        await store.insert(record('a'), null);
        await store.insert(record('b'), keyFor('never-stored'));
        expect(await store.get(keyFor('a'), T0)).toBeDefined();
        expect(await store.get(keyFor('b'), T0)).toBeDefined();
      });
    });

    describe('mutate: visit', () => {
      it('appends pages and grows rev by one per change', async () => {
        const key = await stored(record('a'));
        const first = await mutate(key, visit('A'));
        expect(first).toMatchObject({changed: true, duplicate: false});
        expect(first.record).toMatchObject({trail: ['A'], rev: 2});
        await mutate(key, visit('B'));
        expect(await live(key)).toMatchObject({trail: ['A', 'B'], rev: 3});
      });

      it('leaves trail and rev alone when the newest page is visited again', async () => {
        const key = await stored(record('a', {trail: ['A', 'B'], rev: 3}));
        const again = await mutate(key, visit('B'));
        expect(again).toMatchObject({changed: false, duplicate: false});
        expect(await live(key)).toMatchObject({trail: ['A', 'B'], rev: 3});
      });

      it('moves a revisited page to the end', async () => {
        const key = await stored(record('a', {trail: ['A', 'B', 'C']}));
        expect((await mutate(key, visit('A'))).record.trail).toEqual(['B', 'C', 'A']);
      });

      it('keeps only the newest trailSize pages', async () => {
        const key = await stored(record('a'));
        for (const page of ['A', 'B', 'C']) await mutate(key, visit(page, undefined, 2));
        expect(await live(key)).toMatchObject({trail: ['B', 'C'], rev: 4});
      });

      it('keeps the trail empty when trailSize is 0', async () => {
        const key = await stored(record('a', {trail: ['A']}));
        expect((await mutate(key, visit('B', undefined, 0))).record.trail).toEqual([]);
        expect((await mutate(key, visit('C', undefined, 0))).changed).toBe(false);
        expect((await live(key)).trail).toEqual([]);
      });

      it('applies an op id once and reports the resend as a duplicate', async () => {
        const key = await stored(record('a'));
        await mutate(key, visit('A', 'op-1'));
        await mutate(key, visit('B', 'op-2'));
        const resend = await mutate(key, visit('A', 'op-1'));
        expect(resend).toMatchObject({duplicate: true, changed: false});
        const after = await live(key);
        expect(after).toMatchObject({trail: ['A', 'B'], rev: 3});
        expect(decodeOpWindow(after.ops)).toEqual(['op-1', 'op-2']);
      });

      it('remembers the op id of a visit that did not change the trail', async () => {
        const key = await stored(record('a', {trail: ['A'], rev: 2}));
        const same = await mutate(key, visit('A', 'op-1'));
        expect(same).toMatchObject({changed: false, duplicate: false});
        const after = await live(key);
        expect(after.rev).toBe(2);
        expect(decodeOpWindow(after.ops)).toEqual(['op-1']);
        expect((await mutate(key, visit('A', 'op-1'))).duplicate).toBe(true);
      });

      it('records no op id for a visit sent without one', async () => {
        const key = await stored(record('a'));
        await mutate(key, visit('A'));
        expect((await live(key)).ops).toBe('');
      });

      it(`remembers the last ${APPLIED_OPS_KEPT} op ids and forgets older ones`, async () => {
        const key = await stored(record('a'));
        await mutate(key, visit('P0', 'op-0'));
        // The middle ones in parallel: only op-0 being the oldest and op-last the newest matters.
        const ids = Array.from({length: APPLIED_OPS_KEPT - 1}, (_, i) => `op-${i + 1}`);
        await Promise.all(ids.map((id) => mutate(key, visit(`P-${id}`, id))));
        expect(decodeOpWindow((await live(key)).ops)).toHaveLength(APPLIED_OPS_KEPT);
        expect((await mutate(key, visit('X', 'op-0'))).duplicate).toBe(true);

        await mutate(key, visit('P-last', 'op-last'));
        const after = await live(key);
        const kept = decodeOpWindow(after.ops);
        expect(kept).toHaveLength(APPLIED_OPS_KEPT);
        expect(kept).not.toContain('op-0');
        expect(kept.at(-1)).toBe('op-last');
        expect(new Set(kept)).toEqual(new Set([...ids, 'op-last']));
        expect(after.rev).toBe(1 + APPLIED_OPS_KEPT + 1);

        expect((await mutate(key, visit('P1again', 'op-1'))).duplicate).toBe(true);
        const forgotten = await mutate(key, visit('P0again', 'op-0'));
        expect(forgotten).toMatchObject({duplicate: false, changed: true});
        expect(forgotten.record.trail.at(-1)).toBe('P0again');
      });

      // issue 15: the stored window is compact for counters in order, exact for everything else.
      it('keeps a window of ids out of order, without counters and from two clients exactly', async () => {
        const key = await stored(record('a'));
        const ids = ['c1:3', 'c1:1', 'c1:2', 'plain', 'c2:007', 'c1:4', 'c2:8', 'c2:9'];
        for (const id of ids) await mutate(key, visit(`P-${id}`, id));
        expect(decodeOpWindow((await live(key)).ops)).toEqual(ids);
        for (const id of ids) expect((await mutate(key, visit('X', id))).duplicate).toBe(true);
        expect((await mutate(key, visit('Y', 'c2:7'))).duplicate).toBe(false);
        expect((await mutate(key, visit('Z', 'c1:5'))).duplicate).toBe(false);
        expect(decodeOpWindow((await live(key)).ops)).toEqual([...ids, 'c2:7', 'c1:5']);
      });
    });

    describe('mutate: touch, su, return, data', () => {
      it('moves the expiry on touch without growing rev', async () => {
        const key = await stored(record('a', {rev: 5}));
        const later = LIVE_UNTIL + HOUR;
        const touched = await mutate(key, {type: 'touch', expiresAt: later});
        expect(touched).toMatchObject({changed: true, duplicate: false});
        expect(touched.record).toMatchObject({expiresAt: later, rev: 5});
        expect(await live(key, LIVE_UNTIL)).toMatchObject({expiresAt: later, rev: 5});
      });

      // issue 15: a deferred touch written late never undoes a later slide.
      it('leaves a later expiry alone on a touch marked onlyLater, and moves an earlier one', async () => {
        const key = await stored(record('a'));
        const early = {type: 'touch', expiresAt: LIVE_UNTIL - MINUTE, onlyLater: true} as const;
        expect(await mutate(key, early)).toMatchObject({changed: false});
        expect(await live(key)).toMatchObject({expiresAt: LIVE_UNTIL});
        const late = {type: 'touch', expiresAt: LIVE_UNTIL + MINUTE, onlyLater: true} as const;
        expect(await mutate(key, late)).toMatchObject({changed: true});
        expect(await live(key)).toMatchObject({expiresAt: LIVE_UNTIL + MINUTE});
      });

      // issue 15: DeferredTouches writes its touches this way.
      it('moves many expiries forward at once with touchLater, never back and never a dead one', async () => {
        // At LIVE_UNTIL, 'dead' has just ended; the others live on.
        const ahead = await stored(record('ahead', {rev: 5, expiresAt: LIVE_UNTIL + MINUTE}));
        const behind = await stored(record('behind', {expiresAt: LIVE_UNTIL + HOUR}));
        const dead = await stored(record('dead'));
        const later = LIVE_UNTIL + 20 * MINUTE;
        await store.touchLater(
          [
            [ahead, later],
            [behind, later],
            [dead, later],
            [keyFor('never stored'), later],
          ],
          LIVE_UNTIL
        );
        expect(await live(ahead, LIVE_UNTIL)).toMatchObject({expiresAt: later, rev: 5});
        expect(await live(behind, LIVE_UNTIL)).toMatchObject({expiresAt: LIVE_UNTIL + HOUR});
        // Not resurrected: it still ends at its old expiry.
        expect(await live(dead, LIVE_UNTIL - 1)).toMatchObject({expiresAt: LIVE_UNTIL});
        expect(await store.get(dead, LIVE_UNTIL)).toBeUndefined();
        expect(await store.get(keyFor('never stored'), T0)).toBeUndefined();
      });

      it('keeps a change made at the same moment as a touchLater of the same session', async () => {
        const key = await stored(record('a', {rev: 5, trail: []}));
        const later = LIVE_UNTIL + MINUTE;
        await Promise.all([
          mutate(key, visit('A', 'op-1')),
          store.touchLater([[key, later]], T0),
          mutate(key, visit('B', 'op-2')),
        ]);
        expect(await live(key)).toMatchObject({trail: ['A', 'B'], expiresAt: later, rev: 7});
        expect((await mutate(key, visit('A', 'op-1'))).duplicate).toBe(true);
      });

      it('reports a touch to the same expiry as no change', async () => {
        const key = await stored(record('a'));
        expect(await mutate(key, {type: 'touch', expiresAt: LIVE_UNTIL})).toMatchObject({
          changed: false,
        });
      });

      it('ends the session at an earlier expiry set by touch', async () => {
        const key = await stored(record('a'));
        await mutate(key, {type: 'touch', expiresAt: T0 + MINUTE});
        expect(await store.get(key, T0 + MINUTE)).toBeUndefined();
      });

      it('switches user with su and back with return, growing rev each time', async () => {
        const key = await stored(record('a', {user: 'Admin', rev: 2}));
        const su = await mutate(key, {type: 'su', target: 'Bob'});
        expect(su.record).toMatchObject({user: 'Admin', suTarget: 'Bob', rev: 3});
        const back = await mutate(key, {type: 'return'});
        expect(back).toMatchObject({changed: true});
        expect(await live(key)).toMatchObject({user: 'Admin', suTarget: null, rev: 4});
      });

      it('reports return without a switch as no change', async () => {
        const key = await stored(record('a', {user: 'Admin', rev: 2}));
        expect(await mutate(key, {type: 'return'})).toMatchObject({changed: false});
        expect((await live(key)).rev).toBe(2);
      });

      it('sets and deletes extension values', async () => {
        const key = await stored(record('a', {data: {keep: 1, drop: 2}}));
        const result = await mutate(key, {type: 'data', set: {added: {deep: [1]}}, del: ['drop']});
        expect(result).toMatchObject({changed: true});
        expect(await live(key)).toMatchObject({data: {keep: 1, added: {deep: [1]}}, rev: 2});
      });
    });

    describe('mutate on a session that is not live (nothing is resurrected)', () => {
      const ops: SessionOp[] = [
        visit('A', 'op-1'),
        {type: 'touch', expiresAt: LIVE_UNTIL + 10 * HOUR},
        {type: 'su', target: 'Bob'},
        {type: 'return'},
        {type: 'data', set: {x: 1}, del: []},
      ];

      it('returns undefined for a key that was never stored, for every op', async () => {
        for (const op of ops) expect(await store.mutate(keyFor('none'), op, T0)).toBeUndefined();
        expect(await store.get(keyFor('none'), T0)).toBeUndefined();
        expect(await store.list(T0)).toEqual([]);
      });

      it('returns undefined for an expired session and does not extend it', async () => {
        const key = await stored(record('a', {trail: ['A']}));
        for (const op of ops) expect(await store.mutate(key, op, LIVE_UNTIL)).toBeUndefined();
        expect(await store.get(key, LIVE_UNTIL)).toBeUndefined();
        // Whether the row is still there is the store's business; it must not have changed.
        const before = await store.get(key, T0);
        if (before !== undefined) expect(before).toEqual(record('a', {trail: ['A']}));
      });

      it('returns undefined after destroy and the session stays gone', async () => {
        const key = await stored(record('a'));
        await store.destroy(key);
        for (const op of ops) expect(await store.mutate(key, op, T0)).toBeUndefined();
        expect(await store.get(key, T0)).toBeUndefined();
        expect(await store.list(T0)).toEqual([]);
      });
    });

    describe('destroy and revokeUser', () => {
      it('destroys a session and says whether one existed', async () => {
        const key = await stored(record('a'));
        expect(await store.destroy(key)).toBe(true);
        expect(await store.get(key, T0)).toBeUndefined();
        expect(await store.destroy(key)).toBe(false);
      });

      it('destroys every session of one real user and returns exactly their keys', async () => {
        const a1 = await stored(record('alice-1', {user: 'Alice'}));
        const a2 = await stored(record('alice-2', {user: 'Alice', rememberMe: true}));
        const bob = await stored(record('bob', {user: 'Bob', suTarget: 'Alice'}));
        const anon = await stored(record('anon'));
        expect((await store.revokeUser('Alice')).sort()).toEqual([a1, a2].sort());
        expect(await store.get(a1, T0)).toBeUndefined();
        expect(await store.get(a2, T0)).toBeUndefined();
        // Bob acting as Alice is Bob's session: it stays.
        expect(await store.get(bob, T0)).toBeDefined();
        expect(await store.get(anon, T0)).toBeDefined();
        expect(await store.revokeUser('Alice')).toEqual([]);
        expect(await store.revokeUser('Nobody')).toEqual([]);
      });
    });

    describe('list', () => {
      it('lists live sessions, optionally of one real user, by a 12-character ref only', async () => {
        const anon = record('anon', {trail: ['A', 'B']});
        const alice = record('alice', {user: 'Alice', createdAt: T0 + 1});
        const bob = record('bob', {user: 'Bob', suTarget: 'Alice', trail: ['X']});
        const gone = record('gone', {user: 'Alice', expiresAt: T0 + MINUTE});
        for (const r of [anon, alice, bob, gone]) await store.insert(r);
        const now = T0 + MINUTE;

        const all = await store.list(now);
        const byRef = (a: {ref: string}, b: {ref: string}) => a.ref.localeCompare(b.ref);
        expect([...all].sort(byRef)).toEqual(
          [anon, alice, bob]
            .map((r) => ({
              ref: r.key.slice(0, 12),
              user: r.user,
              suTarget: r.suTarget,
              trailLength: r.trail.length,
              createdAt: r.createdAt,
              expiresAt: r.expiresAt,
            }))
            .sort(byRef)
        );
        const text = JSON.stringify(all);
        for (const r of [anon, alice, bob]) expect(text).not.toContain(r.key);

        expect((await store.list(now, 'Alice')).map((s) => s.ref)).toEqual([
          alice.key.slice(0, 12),
        ]);
        expect(await store.list(now, 'Nobody')).toEqual([]);
      });
    });

    describe('count', () => {
      it('counts live sessions only, expiring ones up to but not at their expiry', async () => {
        expect(await store.count(T0)).toBe(0);
        await stored(record('one', {expiresAt: T0 + HOUR}));
        await stored(record('two', {user: 'Alice', expiresAt: T0 + 2 * HOUR}));
        expect(await store.count(T0)).toBe(2);
        expect(await store.count(T0 + HOUR)).toBe(1);
        await store.destroy(keyFor('two'));
        expect(await store.count(T0)).toBe(1);
      });
    });

    describe('purgeExpired', () => {
      it('removes sessions expired at or before now and counts them', async () => {
        await stored(record('one', {expiresAt: T0 + HOUR}));
        await stored(record('two', {expiresAt: T0 + 2 * HOUR}));
        const three = await stored(record('three', {expiresAt: T0 + 3 * HOUR}));
        expect(await store.purgeExpired(T0)).toBe(0);
        expect(await store.purgeExpired(T0 + 2 * HOUR)).toBe(2);
        expect(await store.purgeExpired(T0 + 2 * HOUR)).toBe(0);
        expect(await store.get(three, T0 + 2 * HOUR)).toBeDefined();
        expect(await store.get(keyFor('one'), T0)).toBeUndefined();
      });
    });

    // issue 10b: a store that ends sessions by itself writes the end of a change of user.
    describe('end records of the changes of user a store ends', () => {
      const ends = async () =>
        (await store.listAudit()).map((e) => [e.action, e.actor, e.target, e.session]);

      it('revokeUser writes one su_end_<reason> per switched session it destroys', async () => {
        const switched = await stored(record('sw', {user: 'Admin', suTarget: 'Bob'}));
        await stored(record('plain', {user: 'Admin'}));
        await stored(record('other', {user: 'Carol', suTarget: 'Bob'}));
        expect(await store.revokeUser('Admin', 'disabled')).toHaveLength(2);
        expect(await ends()).toEqual([['su_end_disabled', 'Admin', 'Bob', switched.slice(0, 12)]]);
        expect(await store.revokeUser('Carol')).toHaveLength(1);
        expect((await ends())[1]![0]).toBe('su_end_revoked');
      });

      it('revokeUser dates its end records at the now it is given', async () => {
        await stored(record('sw', {user: 'Admin', suTarget: 'Bob'}));
        expect(await store.revokeUser('Admin', 'passwd', T0 + HOUR)).toHaveLength(1);
        expect((await store.listAudit()).map((e) => [e.action, e.at])).toEqual([
          ['su_end_passwd', T0 + HOUR],
        ]);
      });

      it('purgeExpired writes su_end_expired for each switched session it removes', async () => {
        const gone = await stored(
          record('old', {user: 'Admin', suTarget: 'Bob', expiresAt: T0 + HOUR})
        );
        await stored(record('new', {user: 'Admin', suTarget: 'Eve', expiresAt: T0 + 3 * HOUR}));
        expect(await store.purgeExpired(T0 + 2 * HOUR)).toBe(1);
        expect(await ends()).toEqual([['su_end_expired', 'Admin', 'Bob', gone.slice(0, 12)]]);
      });

      it('purgeExpired writes su_end_expired for a switched session the store expired by itself', async () => {
        // A real-clock expiry a moment away: a store with native expiry (Redis TTL) drops the
        // record before the purge runs, and the end record must still be written.
        const gone = await stored(
          record('ttl', {user: 'Admin', suTarget: 'Bob', expiresAt: Date.now() + 150})
        );
        await new Promise((r) => setTimeout(r, 400));
        expect(await store.get(gone, Date.now())).toBeUndefined();
        await store.purgeExpired(Date.now());
        expect(await ends()).toEqual([['su_end_expired', 'Admin', 'Bob', gone.slice(0, 12)]]);
        await store.purgeExpired(Date.now());
        expect(await ends()).toHaveLength(1);
      });

      it('trimUser keeps the newest N live sessions of a user and ends the others', async () => {
        const oldest = await stored(
          record('u1', {user: 'Ann', suTarget: 'Bob', createdAt: T0 - 3})
        );
        const older = await stored(record('u2', {user: 'Ann', createdAt: T0 - 2}));
        const newer = await stored(record('u3', {user: 'Ann', createdAt: T0 - 1}));
        const newest = await stored(record('u4', {user: 'Ann', createdAt: T0}));
        const otherUser = await stored(record('x', {user: 'Zed', createdAt: T0 - 9}));
        expect((await store.trimUser('Ann', 2, T0)).sort()).toEqual([oldest, older].sort());
        for (const k of [newer, newest, otherUser]) expect(await store.get(k, T0)).toBeDefined();
        for (const k of [oldest, older]) expect(await store.get(k, T0)).toBeUndefined();
        expect(await ends()).toEqual([['su_end_capped', 'Ann', 'Bob', oldest.slice(0, 12)]]);
        expect(await store.trimUser('Ann', 2, T0)).toEqual([]);
      });

      // issue 13: the session keeps its login method, and the store's own end records name it.
      it('keeps the login method of a session and names it in the end records it writes', async () => {
        const long = {expiresAt: T0 + 3 * HOUR};
        const sw = {suTarget: 'Bob', ...long};
        const rev = await stored(record('r', {user: 'Ann', loginMethod: 'moin', ...sw}));
        expect((await store.get(rev, T0))?.loginMethod).toBe('moin');
        await stored(record('e', {user: 'Ann', suTarget: 'Eve', loginMethod: 'given'}));
        await stored(record('c1', {user: 'Cy', loginMethod: 'backend', ...sw}));
        const keep = await stored(record('c2', {user: 'Cy', createdAt: T0 + 1, ...long}));
        await stored(record('old', {user: 'Old', ...sw}));
        // One millisecond apart: a store may merge its end records by time (Redis keeps one list
        // per bucket), and the order asserted below is the order of these calls.
        expect(await store.purgeExpired(T0 + 2 * HOUR)).toBe(1);
        expect(await store.revokeUser('Ann', 'passwd', T0 + 2 * HOUR + 1)).toEqual([rev]);
        expect(await store.trimUser('Cy', 1, T0 + 2 * HOUR + 2, keep)).toHaveLength(1);
        expect(await store.revokeUser('Old', 'revoked', T0 + 2 * HOUR + 3)).toHaveLength(1);
        expect((await store.listAudit()).map((e) => [e.action, e.method ?? null])).toEqual([
          ['su_end_expired', 'given'],
          ['su_end_passwd', 'moin'],
          ['su_end_capped', 'backend'],
          ['su_end_revoked', null],
        ]);
      });

      it('trimUser never ends the session it is told is the newest, whatever the order says', async () => {
        // Three logins in one millisecond: the order by key would pick any of them.
        const keys = [];
        for (const id of ['t1', 't2', 't3']) {
          keys.push(await stored(record(id, {user: 'Ann', createdAt: T0})));
        }
        for (const newest of keys) {
          const ended = await store.trimUser('Ann', 1, T0, newest);
          expect(ended).not.toContain(newest);
          expect(await store.get(newest, T0)).toBeDefined();
          // Put the ended ones back for the next round.
          for (const k of ended) {
            const id = ['t1', 't2', 't3'][keys.indexOf(k)]!;
            await stored(record(id, {user: 'Ann', createdAt: T0}));
          }
        }
      });
    });

    describe('audit log', () => {
      const entry = (i: number, action: AuditEntry['action']): AuditEntry => ({
        at: T0 + i,
        action,
        actor: 'Admin',
        target: `Bob${i}`,
        address: '127.0.0.1',
        session: keyFor('a').slice(0, 12),
      });

      it('starts empty', async () => {
        expect(await store.listAudit()).toEqual([]);
      });

      it('lists entries oldest first, exactly as appended', async () => {
        const entries = [
          entry(0, 'su_start'),
          entry(1, 'su_return'),
          entry(2, 'su_end_logout'),
          entry(3, 'su_end_revoked'),
        ];
        for (const e of entries) await store.appendAudit(e);
        expect(await store.listAudit()).toEqual(entries);
      });

      it('keeps the login method an entry names, and no method on one that names none', async () => {
        const entries = [{...entry(0, 'su_start'), method: 'given'}, entry(1, 'su_return')];
        for (const e of entries) await store.appendAudit(e);
        expect(await store.listAudit()).toEqual(entries);
      });
    });

    describe('ping and onExternalChange', () => {
      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('returns an unsubscribe function from onExternalChange', () => {
        const unsubscribe = store.onExternalChange(() => {});
        expect(typeof unsubscribe).toBe('function');
        unsubscribe();
      });
    });

    describe('concurrency', () => {
      it('applies 40 parallel visits on one session, each with its own rev, none lost', async () => {
        const key = await stored(record('a'));
        const pages = Array.from({length: 40}, (_, i) => `Page${i}`);
        const results = await Promise.all(
          pages.map((page, i) => mutate(key, visit(page, `op-${i}`, 100)))
        );
        expect(results.every((r) => r.changed && !r.duplicate)).toBe(true);
        const revs = results.map((r) => r.record.rev).sort((a, b) => a - b);
        expect(revs).toEqual(Array.from({length: 40}, (_, i) => i + 2));
        const after = await live(key);
        expect(after.rev).toBe(41);
        expect([...after.trail].sort()).toEqual([...pages].sort());
        expect(new Set(decodeOpWindow(after.ops))).toEqual(new Set(pages.map((_, i) => `op-${i}`)));
      });

      it('keeps both of two parallel changes to different values of one session', async () => {
        const key = await stored(record('a', {data: {base: 0}}));
        await Promise.all([
          mutate(key, {type: 'data', set: {left: 1}, del: []}),
          mutate(key, {type: 'data', set: {right: 2}, del: []}),
          mutate(key, {type: 'touch', expiresAt: LIVE_UNTIL + HOUR}),
        ]);
        expect(await live(key)).toMatchObject({
          data: {base: 0, left: 1, right: 2},
          expiresAt: LIVE_UNTIL + HOUR,
          rev: 3,
        });
      });

      it('keeps parallel visits to different sessions apart', async () => {
        const keys = await Promise.all(Array.from({length: 10}, (_, i) => stored(record(`s${i}`))));
        await Promise.all(
          [0, 1, 2].flatMap((round) =>
            keys.map((key, i) => mutate(key, visit(`S${i}-P${round}`, undefined, 10)))
          )
        );
        for (const [i, key] of keys.entries()) {
          const r = await live(key);
          expect(r.rev).toBe(4);
          expect([...r.trail].sort()).toEqual([`S${i}-P0`, `S${i}-P1`, `S${i}-P2`]);
        }
      });
    });

    describe('round trip', () => {
      it('keeps unicode names and nested values exactly', async () => {
        const pages = ['Ünïcödé', '页面/子页', 'Emoji 🙂 Page', 'e\u0301', `Quote's "x" \\ back`];
        const r = record('u', {
          user: 'Jürgen',
          suTarget: 'Zoë',
          rememberMe: true,
          trail: pages,
          data: {
            nested: {list: [1, -2.5, 'ß', null, true, {deep: ['🙂']}], empty: {}, none: []},
            text: '',
            big: 2 ** 52,
          },
          ops: 'a:b.c-d_e',
          rev: 12,
        });
        await store.insert(r);
        expect(await store.get(r.key, T0)).toEqual(r);
        const visited = await mutate(r.key, visit('日本語のページ', 'op-u', 10));
        expect(visited.record.trail.at(-1)).toBe('日本語のページ');
        expect(await live(r.key)).toEqual(visited.record);
      });
    });
  });
}
