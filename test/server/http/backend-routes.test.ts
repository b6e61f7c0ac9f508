import {createServer, type Server} from 'node:http';
import {afterEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import type {RequestWithSession} from '../../../server/middleware/session-middleware.js';
import {createSessionService, type SessionService} from '../../../server/service.js';
import {HttpClient, parseSetCookie} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {
  BackendClient,
  SECRET,
  forwardCookies,
  writeTokenFile,
} from '../../support/backend-client.js';
import {mustSetCookie, sessionCookieOf} from '../../support/cookies.js';
import {
  PASSWORDS,
  defaultUsers,
  startService,
  type TestService,
} from '../../support/test-service.js';

interface BackendBody {
  session: SessionView;
  isNew: boolean;
  data: Record<string, unknown>;
}

let t: TestService | undefined;
let extra: {server: Server; service: SessionService; dir: TempDir} | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  if (extra) {
    await new Promise((r) => extra!.server.close(r));
    await extra.service.close();
    await extra.dir.cleanup();
    extra = undefined;
  }
});

/** A service with the back-end API on; anonymous sessions on unless `config` says otherwise. */
async function start(config: Record<string, unknown> = {}, logLines?: string[]) {
  const dir = await makeTempDir('moin-backend-');
  const file = await writeTokenFile(dir);
  t = await startService(
    {cookie_lifetime: [1, 12], backend_token_file: file, ...config},
    logLines ? {logLines} : {}
  );
  const cleanup = t.close;
  t.close = async () => {
    await cleanup();
    await dir.cleanup();
  };
  return {t, backend: new BackendClient(t.url)};
}

/** A browser that has a stored anonymous session (its pending cookie came back once). */
async function storedBrowser(svc: TestService): Promise<HttpClient> {
  const browser = svc.client();
  await browser.get('/api/session');
  const {json} = await browser.get<SessionView>('/api/session');
  expect(json.stored).toBe(true);
  return browser;
}

describe('the back-end API', () => {
  it('answers 404 not_found everywhere when backend_token_file is null', async () => {
    t = await startService({});
    const backend = new BackendClient(t.url);
    const browser = t.client();
    for (const [method, path] of [
      ['POST', '/api/backend/login'],
      ['POST', '/api/backend/logout'],
      ['GET', '/api/backend/session'],
      ['POST', '/api/backend/session/data'],
    ] as const) {
      const res = await backend.call(browser, method, path, method === 'POST' ? {} : undefined);
      expect(res.status, path).toBe(404);
      expect(res.json).toMatchObject({error: {code: 'not_found'}});
    }
  });

  describe('guard', () => {
    it('refuses a missing or wrong token with 401 bad_token and no cookie', async () => {
      await start();
      const http = t!.client();
      const missing = await http.get('/api/backend/session');
      expect(missing.status).toBe(401);
      expect(missing.json).toMatchObject({error: {code: 'bad_token'}});
      expect(missing.setCookies).toEqual([]);
      for (const authorization of [
        `Bearer ${SECRET}x`,
        `Bearer ${SECRET.slice(0, -1)}`,
        `Basic ${SECRET}`,
        SECRET,
        'Bearer',
      ]) {
        const res = await http.get('/api/backend/session', {headers: {authorization}});
        expect(res.status, authorization).toBe(401);
        expect(res.json).toMatchObject({error: {code: 'bad_token'}});
        expect(res.text).not.toContain(SECRET.slice(0, 12));
      }
    });

    it('refuses the right token sent with an Origin (a browser) with 403 bad_origin', async () => {
      await start();
      const http = t!.client();
      for (const origin of [http.origin, 'https://evil.example']) {
        const res = await http.post(
          '/api/backend/login',
          {user: 'Alice'},
          {origin, headers: {authorization: `Bearer ${SECRET}`}}
        );
        expect(res.status).toBe(403);
        expect(res.json).toMatchObject({error: {code: 'bad_origin'}});
        expect(res.setCookies).toEqual([]);
        const get = await http.get('/api/backend/session', {
          origin,
          headers: {authorization: `Bearer ${SECRET}`},
        });
        expect(get.status).toBe(403);
      }
    });

    it('throttles wrong tokens per address like failed logins (429), the right one included', async () => {
      await start({login_max_failures: 3, login_window_seconds: 60});
      const http = t!.client();
      const wrong = await Promise.all(
        [1, 2, 3].map(() =>
          http.get('/api/backend/session', {headers: {authorization: 'Bearer nope'}})
        )
      );
      expect(wrong.map((r) => r.status)).toEqual([401, 401, 401]);
      const refused = await http.get('/api/backend/session', {
        headers: {authorization: `Bearer ${SECRET}`},
      });
      expect(refused.status).toBe(429);
      expect(refused.json).toMatchObject({error: {code: 'too_many_attempts'}});
      // Browser logins are counted apart: the wiki's failures do not lock users out, nor back.
      const login = await t!
        .client()
        .post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
      expect(login.status).toBe(200);
      t!.clock.advance(61_000);
      const again = await http.get('/api/backend/session', {
        headers: {authorization: `Bearer ${SECRET}`},
      });
      expect(again.status).toBe(200);
    });

    it('never writes the secret into logs or metrics', async () => {
      const lines: string[] = [];
      await start({}, lines);
      const browser = t!.client();
      const backend = new BackendClient(t!.url);
      await backend.call(browser, 'POST', '/api/backend/login', {user: 'Alice'});
      await new BackendClient(t!.url, `${SECRET}-wrong`).call(
        browser,
        'GET',
        '/api/backend/session'
      );
      const metrics = await browser.get('/metrics');
      expect(lines.some((l) => l.includes('backend_bad_token'))).toBe(true);
      for (const text of [...lines, metrics.text]) expect(text).not.toContain(SECRET.slice(0, 12));
    });
  });

  describe('login and logout', () => {
    it('logs the browser in as the user with a new id and its anonymous trail', async () => {
      const {backend} = await start();
      const browser = await storedBrowser(t!);
      await browser.post('/api/trail', {page: 'FrontPage'});
      const before = browser.cookies.get('MOIN_SESSION');
      const res = await backend.call<SessionView>(browser, 'POST', '/api/backend/login', {
        user: 'Alice',
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({user: {name: 'Alice'}, trail: ['FrontPage'], stored: true});
      const cookie = mustSetCookie(res);
      expect(cookie.value).not.toBe(before);
      expect(cookie.attributes['max-age']).toBe(String(12 * 3600));
      expect(cookie.attributes['httponly']).toBe(true);
      // The browser, with the forwarded cookie, is Alice on the ordinary API; the old id is dead.
      const view = await browser.get<SessionView>('/api/session');
      expect(view.json.user).toEqual({name: 'Alice'});
      const old = await t!.client().get<SessionView>('/api/session', {
        cookie: `MOIN_SESSION=${before}`,
      });
      expect(old.json.user).toBeNull();
    });

    it('gives remember_me the 10-year lifetime, as POST /api/login does', async () => {
      const {backend} = await start();
      const browser = t!.client();
      const res = await backend.call(browser, 'POST', '/api/backend/login', {
        user: 'Bob',
        remember_me: true,
      });
      expect(mustSetCookie(res).attributes['max-age']).toBe('315360000');
    });

    it('answers 404 unknown_user for a name not in the directory or disabled, writing nothing', async () => {
      const {backend} = await start();
      const browser = await storedBrowser(t!);
      const before = browser.cookieHeader();
      for (const user of ['Nobody', 'Carol']) {
        const res = await backend.call(browser, 'POST', '/api/backend/login', {user});
        expect(res.status).toBe(404);
        expect(res.json).toMatchObject({error: {code: 'unknown_user'}});
        expect(res.setCookies).toEqual([]);
      }
      expect(browser.cookieHeader()).toBe(before);
      const bad = await backend.call(browser, 'POST', '/api/backend/login', {user: 5});
      expect(bad.json).toMatchObject({error: {code: 'bad_body'}});
    });

    it('logs out: destroys the session and deletes the cookie', async () => {
      const {backend} = await start();
      const browser = t!.client();
      await backend.call(browser, 'POST', '/api/backend/login', {user: 'Alice'});
      const sid = browser.cookies.get('MOIN_SESSION');
      const res = await backend.call<SessionView>(browser, 'POST', '/api/backend/logout');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({user: null, stored: false});
      expect(mustSetCookie(res).attributes['max-age']).toBe('0');
      expect(browser.cookies.has('MOIN_SESSION')).toBe(false);
      const replay = await t!.client().get<SessionView>('/api/session', {
        cookie: `MOIN_SESSION=${sid}`,
      });
      expect(replay.json.user).toBeNull();
    });
  });

  describe('session and values', () => {
    it('GET answers {session, isNew, data} and applies the cookie rule', async () => {
      const {backend} = await start();
      const browser = t!.client();
      const first = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(first.status).toBe(200);
      expect(first.json).toEqual({
        session: expect.objectContaining({user: null, stored: false}),
        isNew: true,
        data: {},
      });
      // The pending cookie it set comes back: now the session is stored and no longer new.
      expect(sessionCookieOf(first)).toBeDefined();
      const second = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(second.json.isNew).toBe(false);
      expect(second.json.session.stored).toBe(true);
      expect(second.json.session.expiresAt).not.toBeNull();
    });

    it('stores nothing while isNew and answers 200 with isNew true and data {}', async () => {
      const {backend} = await start();
      const browser = t!.client();
      const res = await backend.call<BackendBody>(browser, 'POST', '/api/backend/session/data', {
        set: {test: 7},
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({isNew: true, data: {}});
      const next = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(next.json).toMatchObject({isNew: false, data: {}});
    });

    it('is new for every request with anonymous sessions off, until a login', async () => {
      const {backend} = await start({cookie_lifetime: [0, 12]});
      const browser = t!.client();
      const anon = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(anon.json.isNew).toBe(true);
      expect(anon.setCookies).toEqual([]);
      await backend.call(browser, 'POST', '/api/backend/login', {user: 'Alice'});
      const set = await backend.call<BackendBody>(browser, 'POST', '/api/backend/session/data', {
        set: {test: 1},
      });
      expect(set.json).toMatchObject({isNew: false, data: {test: 1}});
    });

    it('sets and deletes in one atomic save, and refuses bad input writing nothing', async () => {
      const {backend} = await start();
      const browser = await storedBrowser(t!);
      const a = await backend.call<BackendBody>(browser, 'POST', '/api/backend/session/data', {
        set: {a: 1, b: {deep: [1, 'x', null]}, c: 'keep'},
      });
      expect(a.json.data).toEqual({a: 1, b: {deep: [1, 'x', null]}, c: 'keep'});
      const b = await backend.call<BackendBody>(browser, 'POST', '/api/backend/session/data', {
        set: {d: true},
        delete: ['a', 'b', 'never-there'],
      });
      expect(b.json.data).toEqual({c: 'keep', d: true});
      for (const [body, code] of [
        [{set: {ok: 1, '': 2}}, 'bad_body'],
        [{set: {ok: 1, ['k'.repeat(201)]: 2}}, 'bad_body'],
        [{set: [1]}, 'bad_body'],
        [{delete: 'c'}, 'bad_body'],
        [{set: {c: 1}, delete: ['c']}, 'bad_body'],
        [{sett: {}}, 'bad_body'],
        [{set: {ok: 1, big: 'x'.repeat(15_000)}, delete: []}, undefined],
      ] as const) {
        const res = await backend.call(browser, 'POST', '/api/backend/session/data', body);
        if (code) {
          expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
          expect(res.json).toMatchObject({error: {code}});
        } else expect(res.status).toBe(200);
      }
      const after = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(Object.keys(after.json.data).sort()).toEqual(['big', 'c', 'd', 'ok']);
    });

    it('refuses values past 64 KiB with 413 data_too_large and keeps the earlier ones', async () => {
      const {backend} = await start();
      const browser = await storedBrowser(t!);
      const chunk = 'x'.repeat(15_000);
      for (const k of ['v1', 'v2', 'v3', 'v4']) {
        const ok = await backend.call(browser, 'POST', '/api/backend/session/data', {
          set: {[k]: chunk},
        });
        expect(ok.status).toBe(200);
      }
      const over = await backend.call(browser, 'POST', '/api/backend/session/data', {
        set: {v5: chunk},
      });
      expect(over.status).toBe(413);
      expect(over.json).toMatchObject({error: {code: 'data_too_large'}});
      const after = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(Object.keys(after.json.data)).toEqual(['v1', 'v2', 'v3', 'v4']);
      const huge = await backend.call(browser, 'POST', '/api/backend/session/data', {
        set: {v6: 'y'.repeat(20_000)},
      });
      expect(huge.json).toMatchObject({error: {code: 'body_too_large'}});
    });

    it('counts the size after the deletes of the same request: a swap that fits is taken', async () => {
      const {backend} = await start();
      const browser = await storedBrowser(t!);
      const chunk = 'x'.repeat(15_000);
      for (const k of ['v1', 'v2', 'v3', 'v4']) {
        await backend.call(browser, 'POST', '/api/backend/session/data', {set: {[k]: chunk}});
      }
      // Five chunks would pass 64 KiB; four, with v1 deleted in the same request, do not.
      const swap = await backend.call<BackendBody>(browser, 'POST', '/api/backend/session/data', {
        set: {v5: chunk},
        delete: ['v1'],
      });
      expect(swap.status, swap.text).toBe(200);
      expect(Object.keys(swap.json.data).sort()).toEqual(['v2', 'v3', 'v4', 'v5']);
    });

    it('loses nothing when many writes to different keys of one session run at once', async () => {
      const {backend} = await start();
      const browser = await storedBrowser(t!);
      const keys = Array.from({length: 24}, (_, i) => `k${i}`);
      const results = await Promise.all(
        keys.map((k, i) =>
          backend.call(browser, 'POST', '/api/backend/session/data', {set: {[k]: i}})
        )
      );
      expect(results.map((r) => r.status)).toEqual(keys.map(() => 200));
      const after = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
      expect(after.json.data).toEqual(Object.fromEntries(keys.map((k, i) => [k, i])));
    });
  });

  it('shares values with req.session in a Node handler on the same service, both ways', async () => {
    const dir = await makeTempDir('moin-backend-mw-');
    const file = await writeTokenFile(dir);
    const service = createSessionService(
      {
        store: `sqlite:${dir.file('s.db')}`,
        log_level: 'silent',
        cookie_lifetime: [1, 12],
        backend_token_file: file,
      },
      {users: defaultUsers()}
    );
    const mw = service.middleware();
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/api/')) return service.handle(req, res);
      mw(req, res, () => {
        const session = (req as RequestWithSession).session;
        if (req.url === '/write') session.set('fromNode', {n: 1});
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({isNew: session.isNew, fromApi: session.get('fromApi') ?? null}));
      });
    });
    extra = {server, service, dir};
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const browser = new HttpClient(url);
    const backend = new BackendClient(url);
    await backend.call(browser, 'GET', '/api/backend/session');
    const viaApi = await backend.call<BackendBody>(browser, 'POST', '/api/backend/session/data', {
      set: {fromApi: 'hello'},
    });
    expect(viaApi.json.isNew).toBe(false);
    const read = await browser.get<{isNew: boolean; fromApi: unknown}>('/read');
    expect(read.json).toEqual({isNew: false, fromApi: 'hello'});
    await browser.get('/write');
    const back = await backend.call<BackendBody>(browser, 'GET', '/api/backend/session');
    expect(back.json.data).toEqual({fromApi: 'hello', fromNode: {n: 1}});
  });

  it('hands a Set-Cookie the wiki forwards unchanged to the browser', async () => {
    const {backend} = await start({cookie_domain: '.example.org', cookie_path: '/wiki'});
    const browser = t!.client();
    const res = await backend.call(browser, 'POST', '/api/backend/login', {user: 'Alice'});
    const c = parseSetCookie(res.setCookies[0]!);
    expect(c.attributes).toMatchObject({domain: '.example.org', path: '/wiki', samesite: 'Lax'});
    expect(res.headers['cache-control']).toBe('no-store');
    const again = t!.client();
    forwardCookies(res, again);
    expect((await again.get<SessionView>('/api/session')).json.user).toEqual({name: 'Alice'});
  });
});
