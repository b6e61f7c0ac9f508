import {afterEach, describe, expect, it} from 'vitest';
import type {ErrorBody, SessionView} from '../../../shared/index.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

const WIKI = 'https://wiki.example.org';
const login = {name: 'Alice', password: PASSWORDS.Alice};

describe('state-changing requests and Origin', () => {
  it('accepts the server’s own origin', async () => {
    t = await startService();
    const res = await t.client().post('/api/login', login, {origin: t.url});
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['a look-alike with a suffix', `${'http://127.0.0.1'}.evil.example`],
    ['the opaque origin "null"', 'null'],
    ['the right host with the wrong scheme', 'https://127.0.0.1'],
  ])('refuses %s with 403 bad_origin and changes nothing', async (_, origin) => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    const res = await c.post<ErrorBody>('/api/login', login, {origin});
    expect(res.status).toBe(403);
    expect(res.json.error).toEqual({
      code: 'bad_origin',
      message: 'The request comes from an origin that is not allowed.',
    });
    expect(res.setCookies).toEqual([]);
    expect(await t.service.store.list(t.clock.ms)).toEqual([]);
  });

  it('refuses DELETE from another origin as well', async () => {
    t = await startService();
    const res = await t.client().delete<ErrorBody>('/api/su', {origin: 'https://evil.example'});
    expect(res.status).toBe(403);
  });

  it('lets requests without Origin through (wiki back ends, curl)', async () => {
    t = await startService();
    const res = await t.client().post<SessionView>('/api/login', login, {origin: null});
    expect(res.status).toBe(200);
  });

  it('refuses a request without Origin that a browser marks cross-site', async () => {
    t = await startService();
    const res = await t.client().post<ErrorBody>('/api/login', login, {
      origin: null,
      headers: {'sec-fetch-site': 'cross-site'},
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('bad_origin');
  });

  it('answers GET from any origin but gives other origins no CORS headers', async () => {
    t = await startService();
    const res = await t.client().get('/api/session', {origin: 'https://evil.example'});
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes the scheme from X-Forwarded-Proto behind a trusted proxy', async () => {
    t = await startService({trust_proxy: true});
    const host = new URL(t.url).host;
    const res = await t.client().post('/api/login', login, {
      origin: `https://${host}`,
      headers: {'x-forwarded-proto': 'https'},
    });
    expect(res.status).toBe(200);
  });
});

describe('CORS for allowed_origins', () => {
  it('answers an allowed origin with credentials and Vary: Origin', async () => {
    t = await startService({allowed_origins: [WIKI]});
    const res = await t.client().post<SessionView>('/api/login', login, {origin: WIKI});
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(WIKI);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['vary'])).toMatch(/\bOrigin\b/);
  });

  it('matches origins exactly but without regard to case', async () => {
    t = await startService({allowed_origins: [WIKI]});
    const upper = await t
      .client()
      .post('/api/logout', undefined, {origin: 'HTTPS://WIKI.EXAMPLE.ORG'});
    expect(upper.status).toBe(200);
    const sub = await t.client().post('/api/logout', undefined, {origin: `${WIKI}.evil.example`});
    expect(sub.status).toBe(403);
  });

  it('answers a preflight from an allowed origin', async () => {
    t = await startService({allowed_origins: [WIKI]});
    const res = await t.client().request('OPTIONS', '/api/trail', {
      origin: WIKI,
      headers: {
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(WIKI);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type');
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.setCookies).toEqual([]);
  });

  it('refuses a preflight from another origin with 403 bad_origin', async () => {
    t = await startService({allowed_origins: [WIKI]});
    const res = await t.client().request<ErrorBody>('OPTIONS', '/api/trail', {
      origin: 'https://evil.example',
      headers: {'access-control-request-method': 'POST'},
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('bad_origin');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers OPTIONS without Origin with the Allow list', async () => {
    t = await startService();
    const res = await t.client().request('OPTIONS', '/api/session', {origin: null});
    expect(res.status).toBe(204);
    expect(res.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });
});
