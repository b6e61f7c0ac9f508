import {afterEach, describe, expect, it, onTestFinished} from 'vitest';
import type {ErrorBody, SessionView} from '../../../shared/index.js';
import type {HttpClient} from '../../support/http-client.js';
import {mustSetCookie} from '../../support/cookies.js';
import {PASSWORDS, restarts, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

async function loggedIn(
  name: keyof typeof PASSWORDS,
  body: Record<string, unknown> = {}
): Promise<HttpClient> {
  const c = t.client();
  const res = await c.post('/api/login', {name, password: PASSWORDS[name], ...body});
  expect(res.status).toBe(200);
  return c;
}

describe('POST /api/su', () => {
  it('switches a superuser to another user, keeps the real user visible and audits it (as in 1.9)', async () => {
    t = await startService();
    const c = await loggedIn('Admin', {remember_me: true});
    const res = await c.post<SessionView>('/api/su', {name: 'Bob'}, {headers: {'user-agent': 'x'}});
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      user: {name: 'Bob'},
      realUser: {name: 'Admin'},
      superuser: true,
      stored: true,
    });
    // The lifetime is the real user's (Admin asked to be remembered).
    expect(mustSetCookie(res).attributes['max-age']).toBe('315360000');
    const [entry, ...more] = await t.service.store.listAudit();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      action: 'su_start',
      actor: 'Admin',
      target: 'Bob',
      address: '127.0.0.1',
    });
    expect(entry?.session).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Bob'});
  });

  it('audits the socket address behind a trusted proxy that forwards a forged one (issue 10, finding 9)', async () => {
    t = await startService({trust_proxy: true});
    const c = await loggedIn('Admin');
    const forged = '203.0.113.9 session=FORGED su_return Admin -> Bob';
    const xff = (value: string) => ({headers: {'x-forwarded-for': value}});
    expect((await c.post('/api/su', {name: 'Bob'}, xff(forged))).status).toBe(200);
    expect((await c.delete('/api/su', xff('x'.repeat(12_000)))).status).toBe(200);
    expect((await c.post('/api/su', {name: 'Bob'}, xff('10.0.0.1, 2001:db8::7'))).status).toBe(200);
    const audit = await t.service.store.listAudit();
    expect(audit.map((e) => [e.action, e.address])).toEqual([
      ['su_start', '127.0.0.1'],
      ['su_return', '127.0.0.1'],
      ['su_start', '2001:db8::7'],
    ]);
    // No stored field holds what the header said.
    expect(JSON.stringify(audit)).not.toContain('FORGED');
  });

  it('accepts a form body', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    const res = await c.request<SessionView>('POST', '/api/su', {form: {name: 'Bob'}});
    expect(res.json.user).toEqual({name: 'Bob'});
  });

  it.each([
    ['anonymous', null, 'Bob', 401, 'not_logged_in'],
    ['a user who is no superuser', 'Alice', 'Bob', 403, 'not_superuser'],
    ['an unknown target', 'Admin', 'Nobody', 404, 'unknown_user'],
    ['a disabled target', 'Admin', 'Carol', 404, 'unknown_user'],
    ['another superuser (differs: 1.9 allowed it)', 'Admin', 'Root', 403, 'target_is_superuser'],
    ['themselves', 'Admin', 'Admin', 403, 'target_is_superuser'],
  ] as const)('refuses %s', async (_, actor, target, status, code) => {
    t = await startService();
    const c = actor === null ? t.client() : await loggedIn(actor);
    const res = await c.post<ErrorBody>('/api/su', {name: target});
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message.length).toBeGreaterThan(10);
    expect(await t.service.store.listAudit()).toEqual([]);
    if (actor !== null) {
      const view = (await c.get<SessionView>('/api/session')).json;
      expect(view).toMatchObject({user: {name: actor}, realUser: null});
    }
  });

  it('refuses to switch twice with 409 already_switched (no nesting)', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    await c.post('/api/su', {name: 'Bob'});
    const res = await c.post<ErrorBody>('/api/su', {name: 'Alice'});
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('already_switched');
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Bob'});
  });

  it('answers GET with 405 and the Allow list (change user is never a GET)', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    const res = await c.get<ErrorBody>('/api/su');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST, DELETE, OPTIONS');
    expect(res.json.error.code).toBe('method_not_allowed');
  });

  it('refuses a cross-site POST with 403 bad_origin even with a valid cookie', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    const res = await c.post<ErrorBody>('/api/su', {name: 'Bob'}, {origin: 'https://evil.example'});
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('bad_origin');
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Admin'});
  });

  it('needs a name: 400 bad_body for a missing or non-string name', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    for (const body of [{}, {name: 5}, {name: ['Bob']}]) {
      const res = await c.post<ErrorBody>('/api/su', body);
      expect(res.status).toBe(400);
      expect(res.json.error).toEqual({
        code: 'bad_body',
        message: expect.stringContaining('"name"'),
      });
    }
  });
});

describe('DELETE /api/su', () => {
  it('returns to the real user and audits it', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    await c.post('/api/su', {name: 'Bob'});
    const res = await c.delete<SessionView>('/api/su');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({user: {name: 'Admin'}, realUser: null, superuser: true});
    const actions = (await t.service.store.listAudit()).map((e) => [e.action, e.actor, e.target]);
    expect(actions).toEqual([
      ['su_start', 'Admin', 'Bob'],
      ['su_return', 'Admin', 'Bob'],
    ]);
  });

  it('answers 409 not_switched when not acting as anyone', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    const res = await c.delete<ErrorBody>('/api/su');
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('not_switched');
    const anon = await t.client().delete<ErrorBody>('/api/su');
    expect(anon.json.error.code).toBe('not_switched');
  });
});

describe('superuser status is checked on every request', () => {
  it('ends the switch at the next request after the superuser leaves the config (restart on the same store, as in 1.9)', async () => {
    const r = await restarts();
    onTestFinished(() => r.cleanup());
    t = await r.start();
    const c = await loggedIn('Admin');
    await c.post('/api/su', {name: 'Bob'});
    const cookie = c.cookieHeader();
    t = await r.start({superuser: ['Root']});
    const res = await t.client().get<SessionView>('/api/session', {cookie});
    expect(res.json).toMatchObject({user: {name: 'Admin'}, realUser: null, superuser: false});
    const last = (await t.service.store.listAudit()).at(-1);
    expect(last).toMatchObject({action: 'su_end_revoked', actor: 'Admin', target: 'Bob'});
  });

  it('ends the switch when the target is disabled meanwhile', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    await c.post('/api/su', {name: 'Bob'});
    t.users.setDisabled('Bob', true);
    const res = await c.get<SessionView>('/api/session');
    expect(res.json).toMatchObject({user: {name: 'Admin'}, realUser: null});
  });
});

describe('GET /api/users', () => {
  it('lists enabled non-superusers by prefix for a superuser, at most 20', async () => {
    t = await startService();
    for (let i = 0; i < 25; i++) t.users.add(`Bea${String(i).padStart(2, '0')}`, 'x');
    const c = await loggedIn('Admin');
    const all = await c.get<{users: {name: string}[]}>('/api/users');
    expect(all.status).toBe(200);
    expect(all.json.users).toHaveLength(20);
    expect(all.json.users.map((u) => u.name)).not.toContain('Admin');
    const b = await c.get<{users: {name: string}[]}>('/api/users?q=b');
    expect(b.json.users.slice(0, 3)).toEqual([{name: 'Bea00'}, {name: 'Bea01'}, {name: 'Bea02'}]);
    const a = await c.get<{users: {name: string}[]}>('/api/users?q=AL');
    expect(a.json.users).toEqual([{name: 'Alice'}]);
    const none = await c.get<{users: {name: string}[]}>('/api/users?q=Carol');
    expect(none.json.users).toEqual([]);
    expect(all.headers['cache-control']).toBe('no-store');
  });

  it('still answers a superuser who is acting as someone else', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    await c.post('/api/su', {name: 'Bob'});
    expect((await c.get('/api/users?q=A')).status).toBe(200);
  });

  it('refuses anonymous visitors and ordinary users with 403 not_superuser', async () => {
    t = await startService();
    for (const c of [t.client(), await loggedIn('Alice')]) {
      const res = await c.get<ErrorBody>('/api/users?q=A');
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('not_superuser');
    }
  });

  it('refuses a query over 100 characters with 400 bad_request', async () => {
    t = await startService();
    const c = await loggedIn('Admin');
    const res = await c.get<ErrorBody>(`/api/users?q=${'x'.repeat(101)}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
  });
});
