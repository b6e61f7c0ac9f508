import {afterEach, describe, expect, it, onTestFinished} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import type {HttpClient} from '../../support/http-client.js';
import {FORGED_ID, expectedExpires, mustSetCookie, sessionCookieOf} from '../../support/cookies.js';
import {PASSWORDS, restarts, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

const visit = (c: HttpClient, page: string) => c.post<SessionView>('/api/trail', {page});
const rows = () => t.service.store.list(t.clock.ms);

describe('anonymous sessions off (default cookie_lifetime [0, 12])', () => {
  it('sets no cookie and stores nothing for a visitor without a cookie (as in 1.9)', async () => {
    t = await startService();
    const c = t.client();
    const res = await c.get<SessionView>('/api/session');
    expect(res.status).toBe(200);
    expect(res.setCookies).toEqual([]);
    expect(res.json).toMatchObject({user: null, stored: false, trail: [], expiresAt: null});
    const v = await visit(c, 'FrontPage');
    expect(v.setCookies).toEqual([]);
    expect(v.json.trail).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it('marks every API answer uncacheable and varying by cookie (as in 1.9)', async () => {
    t = await startService();
    const res = await t.client().get('/api/session');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(String(res.headers['vary'])).toMatch(/\bCookie\b/);
  });

  it('deletes a well-formed cookie the server does not know (as in 1.9) and stores no row for it', async () => {
    t = await startService();
    const res = await t.client().get('/api/session', {cookie: `MOIN_SESSION=${FORGED_ID}`});
    const c = mustSetCookie(res);
    expect(c.value).toBe('');
    expect(c.attributes['max-age']).toBe('0');
    expect(c.attributes['expires']).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(c.attributes['path']).toBe('/');
    expect(await t.service.store.get(sessionKey(FORGED_ID), t.clock.ms)).toBeUndefined();
  });

  it('leaves a malformed cookie alone (as in 1.9)', async () => {
    t = await startService();
    const res = await t.client().get('/api/session', {cookie: 'MOIN_SESSION=garbage'});
    expect(res.status).toBe(200);
    expect(res.setCookies).toEqual([]);
  });
});

describe('anonymous sessions on (cookie_lifetime [1, 12])', () => {
  it('sets a cookie on the first visit but stores nothing; the trail shows the page once (as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    const res = await visit(c, 'PageA');
    const cookie = mustSetCookie(res);
    expect(cookie.attributes['max-age']).toBe('3600');
    expect(cookie.attributes['expires']).toBe(expectedExpires(t.clock.ms, 3600));
    expect(res.json).toMatchObject({stored: false, trail: ['PageA'], expiresAt: null, rev: 0});
    expect(await rows()).toEqual([]);
  });

  it('stores the session once the cookie comes back, under a fresh id (differs from 1.9: a new id)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    const first = mustSetCookie(await visit(c, 'PageA'));
    const res = await visit(c, 'PageB');
    const second = mustSetCookie(res);
    expect(second.value).not.toBe(first.value);
    expect(res.json).toMatchObject({stored: true, trail: ['PageB']});
    expect(await rows()).toHaveLength(1);
    expect(await t.service.store.get(sessionKey(second.value), t.clock.ms)).toBeDefined();
  });

  it('keeps the trail in order, ignores a reload and moves a revisit to the end (as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    await visit(c, 'PageB');
    const sid = c.cookies.get('MOIN_SESSION');
    const r1 = await visit(c, 'PageC');
    expect(r1.json.trail).toEqual(['PageB', 'PageC']);
    expect(mustSetCookie(r1).value).toBe(sid);
    const reload = await visit(c, 'PageC');
    expect(reload.json.trail).toEqual(['PageB', 'PageC']);
    expect(reload.json.rev).toBe(r1.json.rev);
    const back = await visit(c, 'PageB');
    expect(back.json.trail).toEqual(['PageC', 'PageB']);
    expect(back.json.rev).toBe(r1.json.rev + 1);
  });

  it('keeps only the newest trail_size pages (as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    let last: SessionView | undefined;
    for (const p of ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7']) last = (await visit(c, p)).json;
    expect(last?.trail).toEqual(['P3', 'P4', 'P5', 'P6', 'P7']);
  });

  it('keeps two pages with trail_size 2', async () => {
    t = await startService({cookie_lifetime: [1, 12], trail_size: 2});
    const c = t.client();
    await c.get('/api/session');
    for (const p of ['A', 'B']) await visit(c, p);
    expect((await visit(c, 'C')).json.trail).toEqual(['B', 'C']);
  });

  it('turns the trail off with trail_size 0 (differs: 1.9 kept an unbounded trail)', async () => {
    t = await startService({cookie_lifetime: [1, 12], trail_size: 0});
    const c = t.client();
    expect((await visit(c, 'A')).json.trail).toEqual([]);
    for (const p of ['B', 'C', 'D']) expect((await visit(c, p)).json.trail).toEqual([]);
    expect((await c.get<SessionView>('/api/session')).json.stored).toBe(true);
  });

  it('rounds Expires down to the minute: up to 59 s before now + Max-Age', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    const res = await c.get<SessionView>('/api/session');
    const cookie = mustSetCookie(res);
    const expires = Date.parse(String(cookie.attributes['expires']));
    expect(expires).toBe(Date.parse('2026-11-26T13:00:00Z'));
    expect(t.clock.ms + 3600_000 - expires).toBe(30_000);
    expect(res.json.expiresAt).toBe('2026-11-26T13:00:00.000Z');
  });

  it('slides the cookie and the stored expiry on every answer, writing at most once a minute', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    const stored = await c.get<SessionView>('/api/session');
    const sid = c.cookies.get('MOIN_SESSION');
    const mutates = () => storeCalls(t, 'mutate');
    const before = await mutates();
    t.clock.advance(10_000);
    const same = await c.get<SessionView>('/api/session');
    expect(same.json.expiresAt).toBe(stored.json.expiresAt);
    expect(await mutates()).toBe(before);
    t.clock.advance(10 * 60_000);
    const later = await c.get<SessionView>('/api/session');
    const cookie = mustSetCookie(later);
    expect(cookie.value).toBe(sid);
    expect(cookie.attributes['expires']).toBe(expectedExpires(t.clock.ms, 3600));
    expect(later.json.expiresAt).toBe('2026-11-26T13:10:00.000Z');
    expect(later.json.rev).toBe(stored.json.rev);
    expect(await mutates()).toBe(before + 1);
  });

  it('never adopts a session that expired server-side; the row is gone (as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    await visit(c, 'PageA');
    const old = c.cookies.get('MOIN_SESSION')!;
    t.clock.advance(61 * 60_000);
    const res = await c.get<SessionView>('/api/session');
    const cookie = mustSetCookie(res);
    expect(cookie.value).not.toBe(old);
    expect(cookie.value.startsWith('p.')).toBe(true);
    expect(res.json).toMatchObject({stored: false, trail: []});
    expect(await t.service.store.get(sessionKey(old), t.clock.ms)).toBeUndefined();
  });

  it.each([
    [0.5, 1800],
    [-1, 3600],
    [0.25, 900],
  ])('gives anonymous lifetime %f hours a Max-Age of %i s', async (hours, seconds) => {
    t = await startService({cookie_lifetime: [hours, 12]});
    const cookie = mustSetCookie(await t.client().get('/api/session'));
    expect(cookie.attributes['max-age']).toBe(String(seconds));
    expect(cookie.attributes['expires']).toBe(expectedExpires(t.clock.ms, seconds));
  });

  it('treats a lifetime under one second as 0: no cookie (int() truncation as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [0.0001, 12]});
    expect((await t.client().get('/api/session')).setCookies).toEqual([]);
  });
});

describe('logged-in lifetimes', () => {
  it.each([
    [12, true, 315_360_000],
    [12, false, 43_200],
    [12, undefined, 43_200],
    [-12, true, 43_200],
    [-12, false, 43_200],
    [0.5, false, 1800],
    [0.5, true, 315_360_000],
    [-0.5, true, 1800],
  ])(
    'logged-in lifetime %f h with remember_me %s gives Max-Age %i (as in 1.9)',
    async (hours, rememberMe, seconds) => {
      t = await startService({cookie_lifetime: [0, hours]});
      const c = t.client();
      const body: Record<string, unknown> = {name: 'Alice', password: PASSWORDS.Alice};
      if (rememberMe !== undefined) body['remember_me'] = rememberMe;
      const res = await c.post<SessionView>('/api/login', body);
      expect(res.status).toBe(200);
      const cookie = mustSetCookie(res);
      expect(cookie.attributes['max-age']).toBe(String(seconds));
      expect(cookie.attributes['expires']).toBe(expectedExpires(t.clock.ms, seconds));
      expect(res.json.expiresAt).toBe(
        new Date(Date.parse(expectedExpires(t.clock.ms, seconds))).toISOString()
      );
      // Follow-up answers re-send the same cookie (sliding expiry, as in 1.9).
      t.clock.advance(5 * 60_000);
      const next = await c.get<SessionView>('/api/session');
      expect(mustSetCookie(next).value).toBe(cookie.value);
      expect(mustSetCookie(next).attributes['expires']).toBe(expectedExpires(t.clock.ms, seconds));
      expect(next.json.user).toEqual({name: 'Alice'});
    }
  );

  it('with logged-in lifetime 0 logs in for one answer only: no cookie, next request anonymous (as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [0, 0]});
    const c = t.client();
    const res = await c.post<SessionView>('/api/login', {
      name: 'Alice',
      password: PASSWORDS.Alice,
      remember_me: true,
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({user: {name: 'Alice'}, stored: false});
    expect(res.setCookies).toEqual([]);
    expect(await rows()).toEqual([]);
    expect((await c.get<SessionView>('/api/session')).json.user).toBeNull();
  });
});

describe('lifetime 0 for a session that exists (restart with a new config)', () => {
  it('deletes the cookie and destroys an anonymous session when anonymous sessions are turned off', async () => {
    const r = await restarts();
    onTestFinished(() => r.cleanup());
    const before = await r.start({cookie_lifetime: [1, 12]});
    const c = before.client();
    await c.get('/api/session');
    await visit(c, 'PageA');
    const sid = c.cookies.get('MOIN_SESSION')!;
    const after = await r.start({cookie_lifetime: [0, 12]});
    const res = await after
      .client()
      .get<SessionView>('/api/session', {cookie: `MOIN_SESSION=${sid}`});
    expect(mustSetCookie(res).attributes['max-age']).toBe('0');
    expect(res.json.stored).toBe(false);
    expect(await after.service.store.get(sessionKey(sid), after.clock.ms)).toBeUndefined();
  });

  it('deletes the cookie and destroys a login when logged-in sessions are turned off', async () => {
    const r = await restarts();
    onTestFinished(() => r.cleanup());
    const before = await r.start({cookie_lifetime: [0, 12]});
    const c = before.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const sid = c.cookies.get('MOIN_SESSION')!;
    const after = await r.start({cookie_lifetime: [0, 0]});
    const res = await after
      .client()
      .get<SessionView>('/api/session', {cookie: `MOIN_SESSION=${sid}`});
    expect(mustSetCookie(res).attributes['max-age']).toBe('0');
    expect(res.json.user).toBeNull();
    expect(await after.service.store.get(sessionKey(sid), after.clock.ms)).toBeUndefined();
  });
});

describe('cookie attributes', () => {
  it('defaults to HttpOnly, SameSite=Lax, Path=/, no Domain and no Secure on http', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = mustSetCookie(await t.client().get('/api/session'));
    expect(c.attributes).toMatchObject({httponly: true, samesite: 'Lax', path: '/'});
    expect(c.attributes['domain']).toBeUndefined();
    expect(c.attributes['secure']).toBeUndefined();
  });

  it('uses cookie_name, cookie_path, cookie_domain, cookie_secure and cookie_samesite (as in 1.9)', async () => {
    t = await startService({
      cookie_lifetime: [1, 12],
      cookie_name: 'myfarm',
      cookie_path: '/wiki',
      cookie_domain: '.example.org',
      cookie_secure: true,
      cookie_samesite: 'Strict',
    });
    const c = t.client();
    const set = mustSetCookie(await c.get('/api/session'), 'MOIN_SESSION_myfarm');
    expect(set.attributes).toMatchObject({
      path: '/wiki',
      domain: '.example.org',
      secure: true,
      httponly: true,
      samesite: 'Strict',
    });
    await c.get('/api/session');
    const del = mustSetCookie(await c.post('/api/logout'), 'MOIN_SESSION_myfarm');
    expect(del.attributes).toMatchObject({'max-age': '0', path: '/wiki', domain: '.example.org'});
  });

  it('sends Secure for X-Forwarded-Proto: https only when trust_proxy is on', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const headers = {'x-forwarded-proto': 'https'};
    const untrusted = mustSetCookie(await t.client().get('/api/session', {headers}));
    expect(untrusted.attributes['secure']).toBeUndefined();
    await t.close();
    t = await startService({cookie_lifetime: [1, 12], trust_proxy: true});
    const trusted = mustSetCookie(await t.client().get('/api/session', {headers}));
    expect(trusted.attributes['secure']).toBe(true);
    const plain = sessionCookieOf(await t.client().get('/api/session'));
    expect(plain?.attributes['secure']).toBeUndefined();
  });
});

async function storeCalls(svc: TestService, op: string): Promise<number> {
  const text = await svc.service.metrics.registry.metrics();
  const m = new RegExp(`moin_store_seconds_count\\{op="${op}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}
