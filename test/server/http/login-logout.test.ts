import {afterEach, describe, expect, it} from 'vitest';
import type {ErrorBody, SessionView} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import {REPLACED_GRACE_MS} from '../../../server/session/session-engine.js';
import {FORGED_ID, mustSetCookie, sessionCookieOf} from '../../support/cookies.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

const login = {name: 'Alice', password: PASSWORDS.Alice};

describe('POST /api/login', () => {
  it('logs in with a new session id and answers the view (as in 1.9)', async () => {
    t = await startService();
    const c = t.client();
    const res = await c.post<SessionView>('/api/login', login);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      user: {name: 'Alice'},
      realUser: null,
      superuser: false,
      stored: true,
    });
    const sid = mustSetCookie(res).value;
    expect(sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.service.store.get(sessionKey(sid), t.clock.ms)).toMatchObject({user: 'Alice'});
  });

  it('accepts a form-urlencoded login with a checked remember_me box', async () => {
    t = await startService();
    const res = await t
      .client()
      .request<SessionView>('POST', '/api/login', {form: {...login, remember_me: 'on'}});
    expect(res.status).toBe(200);
    expect(mustSetCookie(res).attributes['max-age']).toBe('315360000');
  });

  it('rotates the id at login and carries the anonymous trail over (differs: 1.9 kept the id)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    await c.post('/api/trail', {page: 'PageA'});
    await c.post('/api/trail', {page: 'PageB'});
    const anon = c.cookies.get('MOIN_SESSION')!;
    const res = await c.post<SessionView>('/api/login', login);
    const sid = mustSetCookie(res).value;
    expect(sid).not.toBe(anon);
    expect(res.json.trail).toEqual(['PageA', 'PageB']);
    expect(await t.service.store.get(sessionKey(anon), t.clock.ms)).toBeUndefined();
    const replay = await t
      .client()
      .get<SessionView>('/api/session', {cookie: `MOIN_SESSION=${anon}`});
    expect(replay.json).toMatchObject({user: null, trail: []});
  });

  it("sets no cookie for a request with the id a login replaced a moment ago, so it cannot undo the login's", async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    const first = await c.get('/api/session');
    const token = mustSetCookie(first).value;
    await c.post('/api/trail', {page: 'PageA'});
    const anon = c.cookies.get('MOIN_SESSION')!;
    await c.post('/api/login', login);
    const sessions = await t.service.store.count(t.clock.ms);
    // Another tab's request (or the wiki's page), sent with the old cookie during the login.
    for (const old of [anon, token]) {
      const late = await t
        .client()
        .get<SessionView>('/api/session', {cookie: `MOIN_SESSION=${old}`});
      expect(late.json).toMatchObject({user: null, stored: false});
      expect(sessionCookieOf(late)).toBeUndefined();
    }
    expect(await t.service.store.count(t.clock.ms)).toBe(sessions);
    t.clock.advance(REPLACED_GRACE_MS);
    const later = await t.client().get('/api/session', {cookie: `MOIN_SESSION=${anon}`});
    expect(mustSetCookie(later).value).not.toBe(anon);
  });

  it('starts from an empty trail when another user logs in over a session', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.post('/api/login', login);
    await c.post('/api/trail', {page: 'AlicesSecret'});
    const res = await c.post<SessionView>('/api/login', {name: 'Bob', password: PASSWORDS.Bob});
    expect(res.json).toMatchObject({user: {name: 'Bob'}, trail: []});
  });

  it('never adopts an attacker-chosen id sent with the login (fixation, differs: 1.9 adopted it)', async () => {
    t = await startService();
    const c = t.client();
    const res = await c.post<SessionView>('/api/login', login, {
      cookie: `MOIN_SESSION=${FORGED_ID}`,
    });
    expect(res.status).toBe(200);
    expect(mustSetCookie(res).value).not.toBe(FORGED_ID);
    expect(await t.service.store.get(sessionKey(FORGED_ID), t.clock.ms)).toBeUndefined();
    const attacker = await t
      .client()
      .get<SessionView>('/api/session', {cookie: `MOIN_SESSION=${FORGED_ID}`});
    expect(attacker.json.user).toBeNull();
  });

  it.each([
    ['a wrong password', {name: 'Alice', password: 'nope'}],
    ['an unknown user', {name: 'Mallory', password: 'x'}],
    ['a disabled user with the right password', {name: 'Carol', password: PASSWORDS.Carol}],
  ])('refuses %s with 401 invalid_credentials and sets no cookie (as in 1.9)', async (_, body) => {
    t = await startService();
    const res = await t.client().post<ErrorBody>('/api/login', body);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: {code: 'invalid_credentials', message: 'Invalid username or password.'},
    });
    expect(res.setCookies).toEqual([]);
    expect(await t.service.store.list(t.clock.ms)).toEqual([]);
  });

  it('keeps the current session when a login fails', async () => {
    t = await startService();
    const c = t.client();
    await c.post('/api/login', login);
    const sid = c.cookies.get('MOIN_SESSION');
    const res = await c.post('/api/login', {name: 'Bob', password: 'wrong'});
    expect(res.status).toBe(401);
    expect(c.cookies.get('MOIN_SESSION')).toBe(sid);
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Alice'});
  });

  it('sees a user disabled while logged in as logged out at the next request', async () => {
    t = await startService();
    const c = t.client();
    await c.post('/api/login', login);
    t.users.setDisabled('Alice', true);
    const res = await c.get<SessionView>('/api/session');
    expect(res.json.user).toBeNull();
    expect(mustSetCookie(res).attributes['max-age']).toBe('0');
  });
});

describe('login throttling', () => {
  it('answers 429 too_many_attempts with Retry-After after login_max_failures for one name', async () => {
    t = await startService({login_max_failures: 3, login_window_seconds: 60});
    const c = t.client();
    for (let i = 0; i < 3; i++) {
      expect((await c.post('/api/login', {name: 'Alice', password: `guess${i}`})).status).toBe(401);
    }
    const res = await c.post<ErrorBody>('/api/login', login);
    expect(res.status).toBe(429);
    expect(res.json.error.code).toBe('too_many_attempts');
    expect(res.headers['retry-after']).toBe('60');
    expect(res.setCookies).toEqual([]);
    // The window (60 s from the first failure) ends; the right password works again.
    t.clock.advance(60_000);
    expect((await c.post('/api/login', login)).status).toBe(200);
  });

  it('counts failures per address across names', async () => {
    t = await startService({login_max_failures: 3, login_window_seconds: 900});
    const c = t.client();
    for (const name of ['U1', 'U2', 'U3']) await c.post('/api/login', {name, password: 'x'});
    expect((await c.post('/api/login', login)).status).toBe(429);
  });

  it('clears a name once it logs in successfully', async () => {
    t = await startService({login_max_failures: 3, login_window_seconds: 900, trust_proxy: true});
    const from = (ip: string) => ({headers: {'x-forwarded-for': ip}});
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: 'x'}, from('10.0.0.1'));
    await c.post('/api/login', {name: 'Alice', password: 'y'}, from('10.0.0.2'));
    expect((await c.post('/api/login', login, from('10.0.0.3'))).status).toBe(200);
    await c.post('/api/login', {name: 'Alice', password: 'z'}, from('10.0.0.4'));
    await c.post('/api/login', {name: 'Alice', password: 'w'}, from('10.0.0.5'));
    expect((await c.post('/api/login', login, from('10.0.0.6'))).status).toBe(200);
  });
});

describe('POST /api/logout', () => {
  it('destroys the session, deletes the cookie, and the old cookie is worthless (as in 1.9)', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.post('/api/login', login);
    await c.post('/api/trail', {page: 'Private'});
    const sid = c.cookies.get('MOIN_SESSION')!;
    const res = await c.post<SessionView>('/api/logout');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({user: null, trail: [], stored: false});
    const del = mustSetCookie(res);
    expect(del).toMatchObject({value: ''});
    expect(del.attributes).toMatchObject({'max-age': '0', path: '/'});
    expect(await t.service.store.get(sessionKey(sid), t.clock.ms)).toBeUndefined();
    const replay = await t
      .client()
      .get<SessionView>('/api/session', {cookie: `MOIN_SESSION=${sid}`});
    expect(replay.json).toMatchObject({user: null, trail: [], stored: false});
    expect(mustSetCookie(replay).value).not.toBe(sid);
  });

  it('is harmless without a session', async () => {
    t = await startService();
    const res = await t.client().post<SessionView>('/api/logout');
    expect(res.status).toBe(200);
    expect(res.setCookies).toEqual([]);
    expect(res.json.user).toBeNull();
  });

  it('logs out completely while acting as another user (differs: 1.9 returned to the superuser)', async () => {
    t = await startService();
    const c = t.client();
    await c.post('/api/login', {name: 'Admin', password: PASSWORDS.Admin});
    await c.post('/api/su', {name: 'Bob'});
    const sid = c.cookies.get('MOIN_SESSION')!;
    const res = await c.post<SessionView>('/api/logout');
    expect(res.json).toMatchObject({user: null, realUser: null});
    expect(mustSetCookie(res).attributes['max-age']).toBe('0');
    expect(await t.service.store.get(sessionKey(sid), t.clock.ms)).toBeUndefined();
    const audit = await t.service.store.listAudit();
    expect(audit.map((e) => e.action)).toEqual(['su_start', 'su_end_logout']);
  });
});

describe('no login or logout through query parameters (differs: 1.9 acted on any GET)', () => {
  it('ignores ?login=1&name=…&password=… and ?logout=1 on GET /api/session', async () => {
    t = await startService();
    const c = t.client();
    const q = `login=1&name=Alice&password=${PASSWORDS.Alice}`;
    const viaGet = await c.get<SessionView>(`/api/session?${q}`);
    expect(viaGet.json.user).toBeNull();
    expect(viaGet.setCookies).toEqual([]);
    await c.post('/api/login', login);
    const stay = await c.get<SessionView>('/api/session?logout=1&action=logout');
    expect(stay.json.user).toEqual({name: 'Alice'});
  });
});
