import {mkdir, writeFile} from 'node:fs/promises';
import {request, type IncomingHttpHeaders} from 'node:http';
import {brotliDecompressSync, gunzipSync} from 'node:zlib';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {writeClientAssets} from '../../../server/http/client-assets.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {startService, type TestService} from '../../support/test-service.js';

// The client bundle as `serve` sends it: the stable entry and the hashed module, precompressed,
// chosen by Accept-Encoding, with an ETag per encoding, HEAD and 304.

/** What vite writes: code that compresses well, as the real bundle does. */
const CODE = `export const x = 1;\n${'export function f(a){return a*2+"moin-session"}\n'.repeat(60)}`;

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, {method, headers, agent: false}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks)})
      );
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: TempDir;
let t: TestService;
let module: string;
beforeEach(async () => {
  // Built before the server starts, as `npm run build && moin-session serve` does.
  dir = await makeTempDir('moin-static-');
  await mkdir(dir.file('root', 'dist', 'client'), {recursive: true});
  await writeFile(dir.file('root', 'dist', 'client', 'moin-session.js'), CODE);
  module = writeClientAssets(dir.file('root', 'dist', 'client')).module;
  t = await startService({}, {dir});
});
afterEach(async () => {
  await t?.close();
  await dir.cleanup();
});

describe('GET /moin-session.js (the stable entry)', () => {
  it('is one line that imports the hashed module, cached so it outlives an outage of days', async () => {
    const res = await get(`${t.url}/moin-session.js`, {origin: 'https://wiki.example.org'});
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`export * from './${module}';\n`);
    expect(module).toMatch(/^moin-session\.[0-9a-f]{12}\.js$/);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe(
      'public, max-age=300, stale-while-revalidate=604800, stale-if-error=604800'
    );
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    // 48 bytes: compressing would make it larger, so it is always sent as is.
    const br = await get(`${t.url}/moin-session.js`, {'accept-encoding': 'br, gzip'});
    expect(br.headers['content-encoding']).toBeUndefined();
    expect(br.body).toEqual(res.body);
  });

  it('answers 503 not_built with what to do when the bundle is missing', async () => {
    const bare = await startService();
    try {
      const res = await bare.client().get('/moin-session.js');
      expect(res.status).toBe(503);
      expect(res.json).toEqual({
        error: {code: 'not_built', message: 'The client bundle is not built; run `npm run build`.'},
      });
    } finally {
      await bare.close();
    }
  });
});

describe('GET /moin-session.<hash>.js (the hashed module)', () => {
  it('is cached for a year and never revalidated', async () => {
    const res = await get(`${t.url}/${module}`, {origin: 'https://wiki.example.org'});
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(CODE);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('is found after a restart without a request for the entry first', async () => {
    await t.close();
    t = await startService({}, {dir});
    const res = await get(`${t.url}/${module}`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(CODE);
  });

  it('sends brotli, gzip or the plain file as Accept-Encoding allows, each with its own ETag', async () => {
    const url = `${t.url}/${module}`;
    const cases: [string | undefined, string | undefined][] = [
      [undefined, undefined],
      ['identity', undefined],
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip;q=0.5', 'gzip'],
      ['BR', 'br'],
      ['*', 'br'],
      ['*, br;q=0', 'gzip'],
      ['gzip;q=0, br;q=0', undefined],
      ['deflate', undefined],
    ];
    const etags = new Map<string | undefined, string>();
    for (const [accept, coding] of cases) {
      const res = await get(url, accept === undefined ? {} : {'accept-encoding': accept});
      expect(res.status, String(accept)).toBe(200);
      expect(res.headers['content-encoding'], String(accept)).toBe(coding);
      expect(res.headers['vary']).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      const plain =
        coding === 'br'
          ? brotliDecompressSync(res.body)
          : coding === 'gzip'
            ? gunzipSync(res.body)
            : res.body;
      expect(plain.toString(), String(accept)).toBe(CODE);
      const etag = String(res.headers['etag']);
      expect(etags.get(coding) ?? etag).toBe(etag);
      etags.set(coding, etag);
    }
    expect(new Set(etags.values()).size).toBe(3);
    const sizes = await Promise.all(
      ['br', 'gzip', 'identity'].map(async (e) => (await get(url, {'accept-encoding': e})).body)
    );
    expect(sizes[0]!.length).toBeLessThan(sizes[1]!.length);
    expect(sizes[1]!.length).toBeLessThan(sizes[2]!.length / 4);
  });

  it('answers 304 only for the ETag of the encoding it would send', async () => {
    const url = `${t.url}/${module}`;
    const br = await get(url, {'accept-encoding': 'br'});
    const etag = String(br.headers['etag']);
    const again = await get(url, {'accept-encoding': 'br', 'if-none-match': etag});
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['etag']).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(again.headers['vary']).toBe('Accept-Encoding');
    // Weak form and lists match too.
    const list = await get(url, {'accept-encoding': 'br', 'if-none-match': `"x", W/${etag}`});
    expect(list.status).toBe(304);
    // The brotli validator does not vouch for the gzip bytes.
    const gz = await get(url, {'accept-encoding': 'gzip', 'if-none-match': etag});
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
  });

  it('answers HEAD with the headers of the GET and no body', async () => {
    const url = `${t.url}/${module}`;
    const full = await get(url, {'accept-encoding': 'gzip'});
    const head = await get(url, {'accept-encoding': 'gzip'}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(full.body.length));
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['etag']).toBe(full.headers['etag']);
  });

  it('serves a rebuilt bundle under its new name while the old one stays loadable', async () => {
    // npm run build while the server runs.
    const out = dir.file('root', 'dist', 'client');
    await writeFile(`${out}/moin-session.js`, `${CODE}export const y = 2;\n`);
    const next = writeClientAssets(out).module;
    expect(next).not.toBe(module);
    const entry = await get(`${t.url}/moin-session.js`);
    expect(entry.body.toString()).toBe(`export * from './${next}';\n`);
    expect((await get(`${t.url}/${next}`)).body.toString()).toContain('export const y = 2;');
    expect((await get(`${t.url}/${module}`)).status).toBe(200);
    expect((await get(`${t.url}/moin-session.0123456789ab.js`)).status).toBe(404);
  });
});
