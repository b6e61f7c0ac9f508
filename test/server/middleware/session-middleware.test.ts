import {randomInt} from 'node:crypto';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import express from 'express';
import {afterEach, describe, expect, it} from 'vitest';
import {MoinError, type ErrorBody} from '../../../shared/index.js';
import type {RequestWithSession} from '../../../server/middleware/session-middleware.js';
import {createSessionService, type SessionService} from '../../../server/service.js';
import {sessionKey} from '../../../server/session/ids.js';
import {MemoryStore} from '../../../server/store/memory-store.js';
import type {SessionOp, SessionRecord} from '../../../server/store/types.js';
import {HttpClient, parseSetCookie} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {PASSWORDS, defaultUsers} from '../../support/test-service.js';

/**
 * The HelpOnSessions example macro (seed/HelpOnSessions.txt), ported from 1.9's
 * `macro.request.session` to a Node handler on `req.session`.
 */
function exampleMacro(req: IncomingMessage, res: ServerResponse): void {
  const session = (req as RequestWithSession).session;
  let text: string;
  if (session.isNew) text = 'Not storing any state until you send a cookie.';
  else if (session.has('test')) text = `Loaded value ${String(session.get('test'))}`;
  else {
    const value = randomInt(1, 100_001);
    session.set('test', value);
    text = `Set to value ${value}`;
  }
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(text);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let dir: TempDir;
let service: SessionService;
let server: Server;
let url: string;

/** A node:http server: /api/* goes to the service's API, everything else through the middleware. */
async function start(
  handler: Handler,
  config: Record<string, unknown> = {},
  store?: MemoryStore
): Promise<HttpClient> {
  dir = await makeTempDir('moin-mw-');
  service = createSessionService(
    {store: `sqlite:${dir.file('s.db')}`, superuser: ['Admin'], log_level: 'silent', ...config},
    {users: defaultUsers(), ...(store ? {store} : {})}
  );
  const mw = service.middleware();
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) return service.handle(req, res);
    mw(req, res, (err) => {
      if (err) {
        res.statusCode = 599;
        res.end(isError(err) ? `next(err): ${err.code}` : 'next(err)');
      } else handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return new HttpClient(url);
}

function isError(e: unknown): e is MoinError {
  return e instanceof MoinError;
}

afterEach(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await service?.close();
  await dir?.cleanup();
});

async function stored(c: HttpClient): Promise<SessionRecord | undefined> {
  return service.store.get(sessionKey(c.cookies.get('MOIN_SESSION') ?? ''), Date.now());
}

describe('the HelpOnSessions example macro on node:http', () => {
  it('says "not storing", then "Set to value N", then "Loaded value N" (cookie_lifetime [1, 12])', async () => {
    const c = await start(exampleMacro, {cookie_lifetime: [1, 12]});
    const first = await c.get('/SomePage');
    expect(first.text).toBe('Not storing any state until you send a cookie.');
    expect(await service.store.list(Date.now())).toEqual([]);
    const second = await c.get('/SomePage');
    const m = /^Set to value (\d+)$/.exec(second.text);
    expect(m).not.toBeNull();
    const value = Number(m![1]);
    // Saved before the response left: the store has it the moment the answer arrives.
    expect((await stored(c))?.data).toEqual({test: value});
    const third = await c.get('/SomePage');
    expect(third.text).toBe(`Loaded value ${value}`);
    expect(third.headers['vary']).toBe('Cookie');
  });

  it('never stores anything with anonymous sessions off (default [0, 12])', async () => {
    const c = await start(exampleMacro);
    for (let i = 0; i < 3; i++) {
      const res = await c.get('/');
      expect(res.text).toBe('Not storing any state until you send a cookie.');
      expect(res.setCookies).toEqual([]);
    }
    expect(await service.store.list(Date.now())).toEqual([]);
  });

  it('keeps values for a logged-in user, who is never new', async () => {
    const c = await start(exampleMacro);
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const set = await c.get('/');
    expect(set.text).toMatch(/^Set to value \d+$/);
    const loaded = await c.get('/');
    expect(loaded.text).toBe(set.text.replace('Set to', 'Loaded'));
  });
});

describe('req.session', () => {
  it('shows the user, the real user and the trail', async () => {
    const c = await start((req, res) => {
      const s = (req as RequestWithSession).session;
      res.end(JSON.stringify({user: s.user, realUser: s.realUser, trail: s.trail, isNew: s.isNew}));
    });
    expect(JSON.parse((await c.get('/')).text)).toEqual({
      user: null,
      realUser: null,
      trail: [],
      isNew: true,
    });
    await c.post('/api/login', {name: 'Admin', password: PASSWORDS.Admin});
    await c.post('/api/trail', {page: 'FrontPage'});
    await c.post('/api/su', {name: 'Bob'});
    expect(JSON.parse((await c.get('/')).text)).toEqual({
      user: {name: 'Bob'},
      realUser: {name: 'Admin'},
      trail: ['FrontPage'],
      isNew: false,
    });
  });

  it('refuses values that are not JSON data with a TypeError', async () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const bad: [string, unknown][] = [
      ['fn', () => 1],
      ['undef', undefined],
      ['nan', NaN],
      ['inf', Infinity],
      ['big', 10n],
      ['date', new Date(0)],
      ['map', new Map()],
      ['sym', Symbol('x')],
      ['nested', {a: [1, {b: undefined}]}],
      ['cycle', cycle],
    ];
    const c = await start((req, res) => {
      const s = (req as RequestWithSession).session;
      const errors = bad.map(([k, v]) => {
        try {
          s.set(k, v);
          return 'accepted';
        } catch (e) {
          return e instanceof TypeError ? e.message : 'other';
        }
      });
      let keyError = 'accepted';
      try {
        s.set(5 as unknown as string, 'x');
      } catch (e) {
        keyError = e instanceof TypeError ? 'TypeError' : 'other';
      }
      s.set('ok', {list: [1, 'two', null, true, {deep: 3.5}]});
      res.end(JSON.stringify({errors, keyError}));
    });
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const {errors, keyError} = JSON.parse((await c.get('/')).text) as {
      errors: string[];
      keyError: string;
    };
    expect(keyError).toBe('TypeError');
    expect(errors).toHaveLength(bad.length);
    for (const e of errors)
      expect(e).toMatch(/^req\.session\.set\("\w+"\)\S*: .+ is not JSON data/);
    expect(errors[8]).toContain('.a[1].b: undefined');
    expect((await stored(c))?.data).toEqual({ok: {list: [1, 'two', null, true, {deep: 3.5}]}});
  });

  it('saves only the keys a request changed, so parallel requests keep each other’s values', async () => {
    const c = await start((req, res) => {
      const key = new URL(req.url!, 'http://x').searchParams.get('k')!;
      (req as RequestWithSession).session.set(key, key.toUpperCase());
      res.end('ok');
    });
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const keys = Array.from({length: 12}, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => c.get(`/?k=${k}`)));
    expect((await stored(c))?.data).toEqual(
      Object.fromEntries(keys.map((k) => [k, k.toUpperCase()]))
    );
  });

  it('deletes values', async () => {
    const c = await start((req, res) => {
      const s = (req as RequestWithSession).session;
      if (req.url === '/set') s.set('a', 1).set('b', 2);
      else s.delete('a');
      res.end(JSON.stringify(s.keys()));
    });
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    await c.get('/set');
    expect((await c.get('/del')).text).toBe('["b"]');
    expect((await stored(c))?.data).toEqual({b: 2});
  });

  it('hands out copies: changing a value read from the session changes nothing', async () => {
    const c = await start((req, res) => {
      const s = (req as RequestWithSession).session;
      if (!s.has('o')) s.set('o', {n: 1});
      (s.get('o') as {n: number}).n = 99;
      res.end(JSON.stringify(s.get('o')));
    });
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    expect((await c.get('/')).text).toBe('{"n":1}');
  });
});

describe('saving before the response is sent', () => {
  it('saves before a redirect, so the next request sees the value, even with a slow store', async () => {
    const c = await start(
      (req, res) => {
        const s = (req as RequestWithSession).session;
        if (req.url === '/form') {
          s.set('flash', 'Saved!');
          res.writeHead(302, {location: '/next'});
          res.end();
        } else {
          res.end(String(s.get('flash')));
        }
      },
      {},
      new SlowStore()
    );
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const sent = Date.now();
    const redirect = await c.get('/form');
    // The 302 waited for the (slowed) save; a save after sending would answer at once.
    expect(Date.now() - sent).toBeGreaterThanOrEqual(SLOW_SAVE_MS);
    expect((await stored(c))?.data).toEqual({flash: 'Saved!'});
    expect(redirect.status).toBe(302);
    expect(mustSession(redirect.setCookies)).toBeDefined();
    expect((await c.get('/next')).text).toBe('Saved!');
  });

  it('holds streamed writes until the save is done and keeps their order', async () => {
    const c = await start((req, res) => {
      (req as RequestWithSession).session.set('streamed', true);
      res.setHeader('content-type', 'text/plain');
      res.write('one ');
      res.write('two ');
      setTimeout(() => res.end('three'), 5);
    });
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const res = await c.get('/');
    expect(res.text).toBe('one two three');
    expect(mustSession(res.setCookies)).toBeDefined();
    expect((await stored(c))?.data).toEqual({streamed: true});
  });

  it('keeps the session cookie when the handler sets its own cookies in writeHead', async () => {
    const c = await start(
      (_req, res) => {
        res.writeHead(200, {'Set-Cookie': 'theme=dark; Path=/', 'content-type': 'text/plain'});
        res.end('x');
      },
      {cookie_lifetime: [1, 12]}
    );
    const res = await c.get('/');
    expect(res.setCookies.map((s) => parseSetCookie(s).name).sort()).toEqual([
      'MOIN_SESSION',
      'theme',
    ]);
  });

  it('answers 503 instead of the handler’s response when the save fails', async () => {
    const store = new (class extends MemoryStore {
      failData = false;
      override async mutate(key: string, op: SessionOp, now: number) {
        if (this.failData && op.type === 'data') throw new MoinError('store_unavailable');
        return super.mutate(key, op, now);
      }
    })();
    const c = await start(
      (req, res) => {
        (req as RequestWithSession).session.set('x', 1);
        res.end('all good, saved');
      },
      {},
      store
    );
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    store.failData = true;
    const res = await c.get<ErrorBody>('/');
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('store_unavailable');
    expect(res.text).not.toContain('all good');
  });

  it('passes a store outage at load to next(err)', async () => {
    const store = new (class extends MemoryStore {
      down = false;
      override async get(key: string, now: number) {
        if (this.down) throw new MoinError('store_unavailable');
        return super.get(key, now);
      }
    })();
    const c = await start((_req, res) => res.end('handler ran'), {}, store);
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    store.down = true;
    const res = await c.get('/');
    expect(res.status).toBe(599);
    expect(res.text).toBe('next(err): store_unavailable');
  });
});

describe('with Express (Connect compatibility)', () => {
  it('runs the example macro through app.use(service.middleware())', async () => {
    dir = await makeTempDir('moin-mw-express-');
    service = createSessionService(
      {store: `sqlite:${dir.file('s.db')}`, cookie_lifetime: [1, 12], log_level: 'silent'},
      {users: defaultUsers()}
    );
    const app = express();
    app.use(service.middleware());
    app.get('/macro', (req, res) => exampleMacro(req, res));
    app.post('/flash', (req, res) => {
      (req as unknown as RequestWithSession).session.set('flash', 'hello');
      res.redirect(303, '/read');
    });
    app.get('/read', (req, res) => {
      res.json({flash: (req as unknown as RequestWithSession).session.get('flash') ?? null});
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    const c = new HttpClient(
      `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    );
    expect((await c.get('/macro')).text).toBe('Not storing any state until you send a cookie.');
    const set = await c.get('/macro');
    expect(set.text).toMatch(/^Set to value \d+$/);
    expect((await c.get('/macro')).text).toBe(set.text.replace('Set to', 'Loaded'));
    const redirect = await c.post('/flash');
    expect(redirect.status).toBe(303);
    const read = await c.get<{flash: string}>('/read');
    expect(read.json).toEqual({flash: 'hello'});
    expect(read.headers['vary']).toMatch(/Cookie/);
  });
});

const SLOW_SAVE_MS = 150;

/** A store whose `data` writes take {@link SLOW_SAVE_MS}. */
class SlowStore extends MemoryStore {
  override async mutate(key: string, op: SessionOp, now: number) {
    if (op.type === 'data') await new Promise((r) => setTimeout(r, SLOW_SAVE_MS));
    return super.mutate(key, op, now);
  }
}

function mustSession(setCookies: string[]) {
  return setCookies.map(parseSetCookie).find((c) => c.name === 'MOIN_SESSION');
}
