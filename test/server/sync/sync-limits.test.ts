import type {Socket} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {HttpClient} from '../../support/http-client.js';
import {HARD_BUFFER_BYTES, SOFT_BUFFER_BYTES} from '../../../server/sync/limits.js';
import {
  rawUpgrade,
  sleep,
  startHarness,
  type Harness,
  type SyncClient,
} from '../../support/sync-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** The client's TCP socket, to stop reading from it like a stalled browser. */
const tcp = (c: SyncClient) => (c.ws as unknown as {_socket: Socket})._socket;

describe('sync limits: visit rate', () => {
  it('lets a burst of 50 queued visits through and refuses the rest with rate_limited', async () => {
    h = await startHarness({visit_burst: 50, visit_rate: 1, trail_size: 100});
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    for (let i = 0; i < 55; i++) c.send({type: 'visit', id: `q${i}`, page: `Page${i}`});
    const answers = () => c.messages.filter((m) => m.type === 'ack' || m.type === 'error');
    await c.waitFor(() => answers().length === 55);
    const acked = answers().filter((m) => m.type === 'ack');
    const limited = answers().filter((m) => m.type === 'error');
    expect(acked).toHaveLength(50);
    expect(limited.map((m) => m.type === 'error' && [m.code, m.id])).toEqual(
      [50, 51, 52, 53, 54].map((i) => ['rate_limited', `q${i}`])
    );
    const ctx = await h.context(cookie);
    expect(ctx.record?.trail).toHaveLength(50);
    expect(ctx.record?.trail).not.toContain('Page50');
  });
});

describe('sync limits: one visit bucket per session', () => {
  it('shares it between the session’s sockets and POST /api/trail', async () => {
    h = await startHarness({visit_burst: 6, visit_rate: 1, trail_size: 100});
    const cookie = await h.login('Bob');
    const [a, b] = await Promise.all([h.connect(cookie), h.connect(cookie)]);
    for (let i = 0; i < 3; i++) a.send({type: 'visit', id: `a${i}`, page: `A${i}`});
    for (let i = 0; i < 3; i++) b.send({type: 'visit', id: `b${i}`, page: `B${i}`});
    const acks = (c: SyncClient) => c.messages.filter((m) => m.type === 'ack').length;
    await a.waitFor(() => acks(a) === 3);
    await b.waitFor(() => acks(b) === 3);
    // Six visits spent the bucket: HTTP is no way around it, nor is a third socket.
    const http = await new HttpClient(h.url).post('/api/trail', {page: 'ViaHttp'}, {cookie});
    expect(http.status).toBe(429);
    expect(http.json).toMatchObject({error: {code: 'rate_limited'}});
    const c = await h.connect(cookie);
    c.send({type: 'visit', id: 'c0', page: 'C0'});
    expect(await c.waitFor((m) => m.type === 'error')).toMatchObject({code: 'rate_limited'});
    expect((await h.context(cookie)).record?.trail).toHaveLength(6);
  });
});

describe('sync limits: sockets per session', () => {
  it('refuses the upgrade beyond max_sockets_per_session with 429 and accepts again after a close', async () => {
    h = await startHarness({max_sockets_per_session: 2});
    const cookie = await h.login('Bob');
    const a = await h.connect(cookie);
    await h.connect(cookie);
    const r = await rawUpgrade(h.url, '/api/sync', {origin: h.origin, cookie});
    expect(r.status).toBe(429);
    expect(JSON.parse(r.body)).toMatchObject({error: {code: 'too_many_sockets'}});
    // Another session is not affected.
    await h.connect(await h.login('Carol'));
    a.ws.close();
    await a.closed;
    await sleep(20);
    expect((await h.connect(cookie)).ws.readyState).toBe(1);
  });
});

describe('sync limits: heartbeat', () => {
  it('drops a client that stops answering pings and keeps one that answers', async () => {
    h = await startHarness({ping_interval_seconds: 1});
    const cookie = await h.login('Bob');
    const silent = await h.connect(cookie, {autoPong: false});
    const healthy = await h.connect(cookie);
    const code = await silent.closed;
    expect(code).toBe(1006); // terminated: no closing handshake with a dead peer
    expect(healthy.ws.readyState).toBe(1);
    expect(await healthy.visit('alive', 'StillHere')).toEqual({type: 'ack', id: 'alive'});
  });
});

describe('sync limits: a client that does not read', () => {
  it('coalesces its pushes to the latest view and keeps the server’s buffer bounded', async () => {
    // Views of about 50 KB (100 pages of 500 characters), one push per visit (each visit waits for
    // its view), so the kernel's socket buffers (a few MB) fill and the hub's own limit decides.
    h = await startHarness({trail_size: 100, visit_rate: 100_000, visit_burst: 100_000});
    const cookie = await h.login('Bob');
    const writer = await h.connect(cookie);
    const stalled = await h.connect(cookie);
    await stalled.view();
    tcp(stalled).pause();
    const visits = 400;
    const page = (i: number) => `${i}-`.padEnd(500, 'x');
    let maxBuffered = 0;
    let finalRev = 0;
    for (let i = 0; i < visits; i++) {
      writer.send({type: 'visit', id: `w${i}`, page: page(i)});
      finalRev = (await writer.view((v) => v.trail.at(-1) === page(i), 20_000)).rev;
      maxBuffered = Math.max(maxBuffered, h.service.sync.bufferedBytes);
      writer.messages.length = 0; // keep the test's own memory small
    }
    const view = 100 * 503;
    // The stalled socket backed up past the soft limit, yet never held more than about two views
    // beyond it (without coalescing: ~20 MB of views in the server's memory).
    expect(maxBuffered).toBeGreaterThan(SOFT_BUFFER_BYTES);
    expect(maxBuffered).toBeLessThan(SOFT_BUFFER_BYTES + 3 * view);
    tcp(stalled).resume();
    const last = await stalled.view((v) => v.rev === finalRev, 20_000);
    expect(last.trail.at(-1)).toBe(page(visits - 1));
    // It got the latest view, but far from one push per visit, and it stays open.
    expect(stalled.views().length).toBeLessThan(visits / 2);
    expect(stalled.ws.readyState).toBe(1);
  });

  it('closes a client that keeps asking but never reads with 1013', async () => {
    h = await startHarness();
    const c = await h.connect(null);
    await c.view();
    tcp(c).pause();
    const ping = JSON.stringify({type: 'ping'});
    let sent = 0;
    while (h.service.sync.bufferedBytes <= HARD_BUFFER_BYTES && sent < 2_000_000) {
      for (let i = 0; i < 5000; i++) c.ws.send(ping);
      sent += 5000;
      await sleep(5);
    }
    expect(h.service.sync.bufferedBytes).toBeGreaterThan(HARD_BUFFER_BYTES);
    // Nothing more is queued once it is closing.
    const atClose = h.service.sync.bufferedBytes;
    for (let i = 0; i < 5000; i++) c.ws.send(ping);
    await sleep(50);
    expect(h.service.sync.bufferedBytes).toBeLessThanOrEqual(atClose);
    tcp(c).resume();
    expect(await c.closed).toBe(1013);
  });
});
