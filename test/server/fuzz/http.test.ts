import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ERROR_CODES, type SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import type {SessionRecord} from '../../../server/store/types.js';
import type {HttpClient} from '../../support/http-client.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';
import {expectedStatuses} from './expected-statuses.js';
import {fuzzParams} from '../../support/fuzz-params.js';
import {request} from './http-arbitraries.js';
import {sendRaw, serialize} from './raw-http.js';

const COOKIE = 'MOIN_SESSION';

describe('the HTTP API under fuzzing', () => {
  let svc: TestService;
  let liveIds: string[];
  let keys: string[];
  let before: (SessionRecord | undefined)[];
  let auditBefore: unknown[];
  let wellBehaved: HttpClient;

  beforeAll(async () => {
    // Anonymous sessions are stored too (1 hour), so every kind of session is there to protect.
    // The well-behaved client posts visits as fast as it can: lift the visit rate limit for it.
    svc = await startService({
      cookie_lifetime: [1, 12],
      login_max_failures: 1000,
      visit_rate: 100_000,
      visit_burst: 100_000,
    });
    const alice = svc.client();
    await alice.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    for (const page of ['A1', 'A2', 'A3']) await alice.post('/api/trail', {page});
    const admin = svc.client();
    await admin.post('/api/login', {name: 'Admin', password: PASSWORDS.Admin});
    await admin.post('/api/su', {name: 'Bob'});
    const anon = svc.client();
    await anon.get('/api/session');
    await anon.post('/api/trail', {page: 'N1'});
    wellBehaved = svc.client();
    await wellBehaved.post('/api/login', {name: 'Root', password: PASSWORDS.Root});
    liveIds = [alice, admin, anon].map((c) => c.cookies.get(COOKIE)!);
    for (const id of liveIds) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    keys = liveIds.map(sessionKey);
    before = await Promise.all(keys.map((k) => svc.service.store.get(k, svc.clock.now())));
    for (const r of before) expect(r).toBeDefined();
    auditBefore = await svc.service.store.listAudit();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('answers 1,500 hostile requests without a 500, a crash or a change to any session', async () => {
    const host = new URL(svc.url).host;
    let stop = false;
    // A well-behaved client works in parallel the whole time and is served correctly.
    const served: string[] = [];
    const worker = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await wellBehaved.post<SessionView>('/api/trail', {page: `W${i}`});
        expect(r.status, r.text).toBe(200);
        expect(r.json.trail.at(-1)).toBe(`W${i}`);
        served.push(`W${i}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await fc.assert(
        fc.asyncProperty(request(svc.url, liveIds, Object.values(PASSWORDS)), async (req) => {
          const a = await sendRaw(svc.url, serialize(req, host));
          expect(a.status, `${req.method} ${req.target}`).not.toBe(0);
          expect(a.status, `${req.method} ${req.target}: ${a.body}`).not.toBe(500);
          expect([...expectedStatuses(req)], `${req.method} ${req.target}: ${a.body}`).toContain(
            a.status
          );
          const json = (a.headers['content-type'] ?? '').includes('json');
          // HEAD answers carry the headers of GET without the body.
          if (a.status >= 400 && json && req.method !== 'HEAD') {
            const code = (JSON.parse(a.body) as {error: {code: string; message: string}}).error;
            expect(Object.keys(ERROR_CODES)).toContain(code.code);
            expect(code.message.length).toBeGreaterThan(5);
          }
          // Never hands out (adopts or leaks) a live session's id.
          for (const id of liveIds) expect(a.headers['set-cookie'] ?? '').not.toContain(id);
        }),
        fuzzParams(1500)
      );
    } finally {
      stop = true;
      await worker;
    }
    expect(served.length).toBeGreaterThan(10);

    const now = svc.clock.now();
    const after = await Promise.all(keys.map((k) => svc.service.store.get(k, now)));
    expect(after).toEqual(before);
    expect(await svc.service.store.listAudit()).toEqual(auditBefore);
    // New sessions may only be anonymous ones (a well-formed pending token came back).
    const known = new Set(keys.map((k) => k.slice(0, 12)));
    const wb = sessionKey(wellBehaved.cookies.get(COOKIE)!).slice(0, 12);
    for (const s of await svc.service.store.list(now)) {
      if (!known.has(s.ref) && s.ref !== wb) expect(s.user).toBeNull();
    }
    expect((await svc.client().get('/healthz')).status).toBe(200);
  }, 120_000);
});
