import {afterEach, describe, expect, it} from 'vitest';
import {MoinError, type ErrorBody, type SessionView} from '../../../shared/index.js';
import {MemoryStore} from '../../../server/store/memory-store.js';
import type {SessionRecord} from '../../../server/store/types.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

/** A memory store that can be made unreachable, or made to fail like a bug. */
class FlakyStore extends MemoryStore {
  mode: 'ok' | 'down' | 'bug' = 'ok';
  #check(): void {
    if (this.mode === 'down') throw new MoinError('store_unavailable');
    if (this.mode === 'bug') throw new TypeError('boom: a bug in the store');
  }
  override async get(key: string, now: number): Promise<SessionRecord | undefined> {
    this.#check();
    return super.get(key, now);
  }
  override async ping(): Promise<void> {
    this.#check();
  }
  override async insert(record: SessionRecord, oldKey?: string | null): Promise<void> {
    this.#check();
    return super.insert(record, oldKey);
  }
}

describe('GET /healthz', () => {
  it('answers 200 {"ok": true} while the store answers', async () => {
    t = await startService();
    const res = await t.client().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ok: true});
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 store_unavailable when the store does not', async () => {
    const store = new FlakyStore();
    t = await startService({}, {store});
    store.mode = 'down';
    const res = await t.client().get<ErrorBody>('/healthz');
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('store_unavailable');
    store.mode = 'ok';
    expect((await t.client().get('/healthz')).status).toBe(200);
  });
});

describe('store failures', () => {
  it('answers 503 and never treats the request as anonymous when the store is down', async () => {
    const store = new FlakyStore();
    t = await startService({}, {store});
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    store.mode = 'down';
    const res = await c.get<ErrorBody>('/api/session');
    expect(res.status).toBe(503);
    expect(res.json.error).toEqual({
      code: 'store_unavailable',
      message: 'The session store is unreachable; try again shortly.',
    });
    expect(res.setCookies).toEqual([]);
    store.mode = 'ok';
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Alice'});
  });

  it('answers a bug with a logged 500 internal_error and keeps serving', async () => {
    const store = new FlakyStore();
    const logLines: string[] = [];
    t = await startService({}, {store, logLines});
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    store.mode = 'bug';
    const res = await c.get<ErrorBody>('/api/session');
    expect(res.status).toBe(500);
    expect(res.json.error).toEqual({
      code: 'internal_error',
      message: 'Something went wrong on the server.',
    });
    expect(res.text).not.toContain('boom');
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.event === 'internal_error');
    expect(logged).toMatchObject({
      level: 50,
      url: '/api/session',
      err: {message: 'boom: a bug in the store'},
    });
    expect(res.setCookies).toEqual([]);
    store.mode = 'ok';
    expect((await c.get<SessionView>('/api/session')).json.user).toEqual({name: 'Alice'});
    expect((await c.get('/metrics')).text).toContain('moin_errors_total{code="internal_error"} 1');
  });
});

describe('GET /metrics', () => {
  it('reports requests by route and status, errors by code, store latency and sessions', async () => {
    t = await startService();
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    await c.get('/api/session');
    await c.get('/no/such/page');
    await c.post('/api/login', {name: 'Alice', password: 'wrong'});
    const res = await c.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('moin_http_requests_total{route="/api/session",status="200"} 1');
    expect(res.text).toContain('moin_http_requests_total{route="/api/login",status="401"} 1');
    expect(res.text).toContain('moin_http_requests_total{route="unmatched",status="404"} 1');
    expect(res.text).toContain('moin_errors_total{code="not_found"} 1');
    expect(res.text).toMatch(/moin_store_seconds_count\{op="get"\} [1-9]/);
    expect(res.text).toMatch(/moin_store_seconds_count\{op="insert"\} 1/);
    expect(res.text).toContain('moin_sessions 1');
  });
});

describe('GET /', () => {
  it('serves index.html as HTML, also for HEAD', async () => {
    t = await startService({}, {files: {'index.html': '<!doctype html><title>Demo</title>'}});
    const res = await t.client().get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toBe('<!doctype html><title>Demo</title>');
    const head = await t.client().request('HEAD', '/');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-length']).toBe(String(res.text.length));
  });

  it('picks up an edited page without a restart', async () => {
    t = await startService({}, {files: {'index.html': 'one'}});
    expect((await t.client().get('/')).text).toBe('one');
    const {writeFile, utimes} = await import('node:fs/promises');
    const file = t.dir.file('root', 'index.html');
    await writeFile(file, 'two, longer');
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect((await t.client().get('/')).text).toBe('two, longer');
  });

  it('answers 404 not_found when there is no index.html', async () => {
    t = await startService();
    const res = await t.client().get<ErrorBody>('/');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });
});
