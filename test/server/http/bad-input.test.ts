import {request} from 'node:http';
import {afterEach, describe, expect, it} from 'vitest';
import type {ErrorBody, SessionView} from '../../../shared/index.js';
import {rawRequest} from '../../support/http-client.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

/** After bad input: the server still answers and nothing was stored. */
async function stillServingAndEmpty(): Promise<void> {
  const res = await t.client().get<SessionView>('/api/session');
  expect(res.status).toBe(200);
  expect(await t.service.store.list(t.clock.ms)).toEqual([]);
}

const json = {'content-type': 'application/json'};

describe('bodies', () => {
  it.each([
    ['malformed JSON', '{"page": ', json, 400, 'bad_json'],
    ['JSON that is not an object', '["FrontPage"]', json, 400, 'bad_body'],
    ['JSON null', 'null', json, 400, 'bad_body'],
    ['a page that is a number', '{"page": 7}', json, 400, 'invalid_page'],
    ['an empty page', '{"page": "   "}', json, 400, 'invalid_page'],
    ['a page with control characters', '{"page": "A\\u0007B"}', json, 400, 'invalid_page'],
    [
      'a page over 512 characters',
      JSON.stringify({page: 'x'.repeat(513)}),
      json,
      400,
      'invalid_page',
    ],
    ['an op id with a space', '{"page": "A", "id": "a b"}', json, 400, 'bad_body'],
    ['an op id that is a number', '{"page": "A", "id": 5}', json, 400, 'bad_body'],
    ['text/plain', '{"page": "A"}', {'content-type': 'text/plain'}, 415, 'unsupported_media_type'],
    ['no Content-Type', '{"page": "A"}', {}, 415, 'unsupported_media_type'],
    [
      'multipart',
      '--x\r\n',
      {'content-type': 'multipart/form-data; boundary=x'},
      415,
      'unsupported_media_type',
    ],
    [
      'Latin-1 JSON',
      '{"page": "A"}',
      {'content-type': 'application/json; charset=iso-8859-1'},
      415,
      'unsupported_media_type',
    ],
    [
      'a repeated form field',
      'page=A&page=B',
      {'content-type': 'application/x-www-form-urlencoded'},
      400,
      'bad_body',
    ],
  ])('answers %s with a code and a sentence', async (_, body, headers, status, code) => {
    t = await startService({cookie_lifetime: [1, 12]});
    const res = await t.client().post<ErrorBody>('/api/trail', undefined, {body, headers});
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toMatch(/^[A-Z].+\.$/);
    expect(res.setCookies).toEqual([]);
    await stillServingAndEmpty();
  });

  it('answers invalid UTF-8 in JSON with bad_json', async () => {
    t = await startService();
    const body = Buffer.concat([
      Buffer.from('{"page": "'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const res = await t.client().post<ErrorBody>('/api/trail', undefined, {body, headers: json});
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({code: 'bad_json', message: 'The body is not valid UTF-8.'});
  });

  it.each([
    ['a missing password', {name: 'Alice'}, 'The field "password" is required.'],
    ['a numeric name', {name: 1, password: 'x'}, 'The field "name" must be a string.'],
    [
      'remember_me as a word',
      {name: 'A', password: 'x', remember_me: 'maybe'},
      'The field "remember_me" must be true or false.',
    ],
    [
      'remember_me as a number',
      {name: 'A', password: 'x', remember_me: 1},
      'The field "remember_me" must be true or false.',
    ],
  ])('answers a login with %s with 400 bad_body naming the field', async (_, body, message) => {
    t = await startService();
    const res = await t.client().post<ErrorBody>('/api/login', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({code: 'bad_body', message});
  });

  it('answers a body over 16 KiB with 413 and closes the connection', async () => {
    t = await startService();
    const res = await t.client().post<ErrorBody>('/api/trail', {page: 'x'.repeat(17 * 1024)});
    expect(res.status).toBe(413);
    expect(res.json.error).toEqual({
      code: 'body_too_large',
      message: 'The body is larger than 16 KiB.',
    });
    expect(res.headers['connection']).toBe('close');
    await stillServingAndEmpty();
  });

  it('stops reading a chunked body once it passes 16 KiB', async () => {
    t = await startService();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/trail`, {
        method: 'POST',
        headers: {'content-type': 'application/json', origin: t.url},
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      // Keep streaming well past the limit; the answer must come without the stream ending.
      const chunk = Buffer.alloc(4096, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && req.write(chunk)) sent += chunk.length;
        if (!req.destroyed) req.once('drain', pump);
      };
      pump();
    });
    expect(status).toBe(413);
    await stillServingAndEmpty();
  });

  it('accepts exactly 16 KiB', async () => {
    t = await startService();
    const page = 'x'.repeat(500);
    const filler = 'y'.repeat(16 * 1024 - JSON.stringify({page, z: ''}).length);
    const body = JSON.stringify({page, z: filler});
    expect(Buffer.byteLength(body)).toBe(16 * 1024);
    const res = await t.client().post('/api/trail', undefined, {body, headers: json});
    expect(res.status).toBe(200);
  });
});

describe('paths and methods', () => {
  it('answers an unknown path with 404 not_found', async () => {
    t = await startService();
    for (const path of [
      '/nope',
      '/api/session/',
      '/api',
      '/API/SESSION',
      '/..%2f..%2fetc/passwd',
    ]) {
      const res = await t.client().get<ErrorBody>(path);
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({
        code: 'not_found',
        message: 'There is nothing at this address.',
      });
    }
  });

  it.each([
    ['GET', '/api/login', 'POST, OPTIONS'],
    ['PUT', '/api/session', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/trail', 'POST, OPTIONS'],
    ['PATCH', '/api/su', 'POST, DELETE, OPTIONS'],
    ['POST', '/healthz', 'GET, HEAD, OPTIONS'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    t = await startService();
    const res = await t.client().request<ErrorBody>(method, path);
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe(allow);
    expect(res.json.error.code).toBe('method_not_allowed');
    expect(res.json.error.message).toBe(`${method} is not allowed here; use ${allow}.`);
  });

  it('ignores the query string when routing and a session id in it', async () => {
    t = await startService({cookie_lifetime: [1, 12]});
    const c = t.client();
    await c.get('/api/session');
    await c.get('/api/session');
    const sid = c.cookies.get('MOIN_SESSION')!;
    const res = await t.client().get<SessionView>(`/api/session?MOIN_SESSION=${sid}&sid=${sid}`);
    expect(res.status).toBe(200);
    expect(res.json.stored).toBe(false);
  });
});

describe('cookies', () => {
  it.each([
    ['garbage', 'MOIN_SESSION=<script>alert(1)</script>'],
    ['SQL', "MOIN_SESSION=' OR 1=1; --"],
    ['10 kB', `MOIN_SESSION=${'a'.repeat(10_000)}`],
    ['repeated', Array.from({length: 200}, (_, i) => `MOIN_SESSION=v${i}`).join('; ')],
    ['no value', 'MOIN_SESSION'],
    ['quoted', 'MOIN_SESSION="abc"'],
  ])(
    'treats a %s cookie as absent: 200, no error, nothing stored, no reflection',
    async (_, cookie) => {
      t = await startService();
      const res = await t.client().get<SessionView>('/api/session', {cookie});
      expect(res.status).toBe(200);
      expect(res.json.stored).toBe(false);
      expect(res.text).not.toContain('script');
      await stillServingAndEmpty();
    }
  );

  it('treats non-ASCII cookie bytes as absent', async () => {
    t = await startService();
    const raw = Buffer.concat([
      Buffer.from(
        'GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: MOIN_SESSION='
      ),
      Buffer.from('ünïcødé✓', 'utf8'),
      Buffer.from('\r\n\r\n'),
    ]);
    const answer = await rawRequest(t.url, raw);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"stored":false');
    await stillServingAndEmpty();
  });

  it('answers a Cookie header over 16 KiB with 431 from Node, never a 500', async () => {
    t = await startService();
    const res = await t
      .client()
      .get('/api/session', {cookie: `MOIN_SESSION=${'a'.repeat(20_000)}`});
    expect(res.status).toBe(431);
    await stillServingAndEmpty();
  });

  it('still logs in when garbage cookies come along', async () => {
    t = await startService();
    const res = await t
      .client()
      .post<SessionView>(
        '/api/login',
        {name: 'Alice', password: PASSWORDS.Alice},
        {cookie: `MOIN_SESSION=${'z'.repeat(5000)}; other=1`}
      );
    expect(res.status).toBe(200);
    expect(res.json.user).toEqual({name: 'Alice'});
  });
});
