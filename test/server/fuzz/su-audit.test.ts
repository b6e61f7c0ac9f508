import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {MemoryStore} from '../../../server/store/memory-store.js';
import type {AuditEntry, RevokeReason, SessionStore} from '../../../server/store/types.js';
import type {HttpClient} from '../../support/http-client.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';
import {fuzzParams} from '../../support/fuzz-params.js';

// issue 10b: the audit invariant. However a change of user ends (return, logout, a login over it,
// sessions revoke, users passwd/disable/remove, expiry, superuser status lost, the session cap),
// every su_start is followed by exactly one end record of that session. On the SQLite file and on
// the memory store (the Redis store's TTL expiry writes no end record: docs/hardening.md).

const HOUR = 3_600_000;

/** The coverage label of a su_end_revoked a request wrote because Admin is no superuser any more. */
const DEMOTED = 'su_end_revoked (superuser status lost)';

type Step =
  | {do: 'login'; browser: number; rememberMe: boolean}
  | {do: 'su'; browser: number}
  | {do: 'return'; browser: number}
  | {do: 'logout'; browser: number}
  | {do: 'look'; browser: number}
  | {do: 'revoke'; reason: RevokeReason}
  | {do: 'disable' | 'enable'; who: 'Admin' | 'Bob'}
  | {do: 'demote' | 'promote'}
  | {do: 'age'}
  | {do: 'expire'};

const browser = fc.integer({min: 0, max: 2});
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({do: fc.constant('login' as const), browser, rememberMe: fc.boolean()}),
  },
  {weight: 4, arbitrary: fc.record({do: fc.constant('su' as const), browser})},
  {weight: 2, arbitrary: fc.record({do: fc.constant('return' as const), browser})},
  {weight: 2, arbitrary: fc.record({do: fc.constant('logout' as const), browser})},
  fc.record({do: fc.constant('look' as const), browser}),
  fc.record({
    do: fc.constant('revoke' as const),
    reason: fc.constantFrom<RevokeReason>('revoked', 'passwd', 'disabled', 'removed'),
  }),
  fc.record({
    do: fc.constantFrom('disable' as const, 'enable' as const),
    who: fc.constantFrom('Admin' as const, 'Bob' as const),
  }),
  fc.record({do: fc.constantFrom('demote' as const, 'promote' as const)}),
  fc.record({do: fc.constant('age' as const)}),
  fc.record({do: fc.constant('expire' as const)})
);

/** The first break of the invariant in an audit log, or null. */
function brokenAt(entries: AuditEntry[], allEnded: boolean): string | null {
  const switched = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (e.action === 'su_start') {
      if (switched.has(e.session)) return `#${i} su_start in a session already switched`;
      switched.add(e.session);
    } else if (!switched.delete(e.session)) {
      return `#${i} ${e.action} without a su_start`;
    }
  }
  return allEnded && switched.size > 0 ? `${switched.size} switch(es) never ended` : null;
}

const STORES: [string, () => SessionStore | undefined][] = [
  ['the SQLite file', () => undefined],
  ['the memory store', () => new MemoryStore()],
];

describe.each(STORES)('change-user audit on %s', {timeout: 300_000}, (_name, makeStore) => {
  let t: TestService;
  // A small cap, so logins also end switches through the session cap; remembered logins end
  // after 20 h, so they expire too.
  beforeAll(async () => {
    const store = makeStore();
    t = await startService(
      {
        max_sessions_per_user: 2,
        cookie_lifetime: [0, 12],
        remember_me_max_hours: 20,
        // Logins of a disabled Admin fail; the throttle is not what this test is about.
        login_max_failures: 1000,
      },
      store ? {store} : {}
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('follows every su_start with exactly one end record, whatever ends it', async () => {
    const ends = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, {minLength: 1, maxLength: 25}), async (steps) => {
        const {service, users, clock} = t;
        const store = service.store;
        const before = (await store.listAudit()).length;
        const browsers: HttpClient[] = [t.client(), t.client(), t.client()];
        const supers = service.config.superuser;
        const disabled = new Set<string>();
        let seen = before;
        // Every run starts with a switch in browser 0; the steps then end it (or not) at random.
        const start: Step[] = [
          {do: 'login', browser: 0, rememberMe: false},
          {do: 'su', browser: 0},
        ];
        for (const s of [...start, ...steps]) {
          // Time moves between steps as it does between real requests: sessions made by different
          // steps never share a creation time, so which ones the session cap ends (the oldest) does
          // not hang on the random order of their keys, and a run is the same every time.
          clock.advance(1);
          switch (s.do) {
            case 'login':
              await browsers[s.browser]!.post('/api/login', {
                name: 'Admin',
                password: PASSWORDS.Admin,
                remember_me: s.rememberMe,
              });
              break;
            case 'su':
              await browsers[s.browser]!.post('/api/su', {name: 'Bob'});
              break;
            case 'return':
              await browsers[s.browser]!.delete('/api/su');
              break;
            case 'logout':
              await browsers[s.browser]!.post('/api/logout', {});
              break;
            case 'look':
              await browsers[s.browser]!.get('/api/session');
              break;
            case 'revoke':
              await store.revokeUser('Admin', s.reason);
              break;
            case 'disable':
            case 'enable':
              users.setDisabled(s.who, s.do === 'disable');
              if (s.do === 'disable') disabled.add(s.who);
              else disabled.delete(s.who);
              break;
            case 'demote':
              // The superuser list is read at every request: Admin loses the right to switch.
              if (supers.includes('Admin')) supers.splice(supers.indexOf('Admin'), 1);
              break;
            case 'promote':
              if (!supers.includes('Admin')) supers.push('Admin');
              break;
            case 'age':
              // Past the 12 h lifetime with no purge: the next steps meet expired sessions (the
              // memory store ends them when read, SQLite leaves the row to the purge).
              clock.advance(13 * HOUR);
              break;
            case 'expire':
              clock.advance(13 * HOUR);
              await store.purgeExpired(clock.now());
              break;
          }
          // su_end_revoked is written for several causes: a request's (not the store's revoke)
          // with both accounts enabled and Admin off the list is the demotion ending.
          const fresh = (await store.listAudit()).slice(seen);
          seen += fresh.length;
          const demoted = disabled.size === 0 && !supers.includes('Admin');
          for (const e of fresh) {
            if (e.action === 'su_end_revoked' && e.address !== '' && demoted) ends.add(DEMOTED);
          }
        }
        const mine = (await store.listAudit()).slice(before);
        expect(brokenAt(mine, false)).toBeNull();
        // End everything: every switch still open must now get its one end record.
        clock.advance(20 * 365 * 24 * HOUR);
        await store.purgeExpired(clock.now());
        users.setDisabled('Admin', false).setDisabled('Bob', false);
        if (!supers.includes('Admin')) supers.push('Admin');
        const all = (await store.listAudit()).slice(before);
        for (const e of all) ends.add(e.action);
        expect(brokenAt(all, true)).toBeNull();
      }),
      fuzzParams(100)
    );
    // The runs reached the ways a switch ends, not only the easy ones.
    expect([...ends].sort()).toEqual(
      expect.arrayContaining([
        'su_start',
        'su_end_login',
        'su_end_expired',
        'su_end_capped',
        'su_end_revoked',
        'su_end_passwd',
        'su_end_disabled',
        'su_end_removed',
        DEMOTED,
        'su_return',
        'su_end_logout',
      ])
    );
  });
});
