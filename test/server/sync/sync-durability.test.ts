import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {HttpClient} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {SyncClient} from '../../support/sync-harness.js';
import {startChildServer, type ChildServer} from './sync-process.js';

const PASSWORDS = {Bob: 'bob-pw'};

let dir: TempDir;
let server: ChildServer | null = null;
beforeEach(async () => {
  dir = await makeTempDir('moin-sync-kill-');
});
afterEach(async () => {
  await server?.kill();
  server = null;
  await dir.cleanup();
});

const config = () => ({
  store: `sqlite:${dir.file('sessions.db')}`,
  log_level: 'silent',
  trail_size: 100,
  visit_rate: 10_000,
  visit_burst: 10_000,
});

async function connect(url: string, cookie: string): Promise<SyncClient> {
  return SyncClient.open(url.replace(/^http/, 'ws') + '/api/sync', {
    origin: url,
    headers: {cookie},
  });
}

/** Starts the child server and logs Bob in; returns the cookie header. */
async function startAndLogIn(): Promise<string> {
  server = await startChildServer(config(), PASSWORDS);
  const http = new HttpClient(server.url);
  expect((await http.post('/api/login', {name: 'Bob', password: 'bob-pw'})).status).toBe(200);
  return http.cookieHeader();
}

describe('sync durability: SIGKILL right after acks', () => {
  it('keeps every acked visit, in order, and still deduplicates old op ids after a restart', async () => {
    const cookie = await startAndLogIn();
    const pages = Array.from({length: 80}, (_, i) => `Page${String(i).padStart(2, '0')}`);
    const ids = pages.map((_, i) => `tab1:${i}`);

    const before = await connect(server!.url, cookie);
    await before.view((v) => v.stored);
    const acked: string[] = [];
    const killed = new Promise<void>((resolve) => {
      before.ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as {type: string; id?: string};
        if (m.type !== 'ack' || !m.id) return;
        acked.push(m.id);
        // Hard kill the moment the 40th ack arrives: the rest are in flight.
        if (acked.length === 40) resolve(server!.kill());
      });
    });
    pages.forEach((page, i) => before.send({type: 'visit', id: ids[i], page}));
    await killed;
    expect(acked.slice(0, 40)).toEqual(ids.slice(0, 40));

    server = await startChildServer(config(), PASSWORDS);
    const after = await connect(server.url, cookie);
    const restored = await after.view();
    // Every acked visit is there, in the order sent; whatever else got in is the next ones in order.
    const lastAcked = Math.max(...acked.map((id) => ids.indexOf(id)));
    expect(restored.stored).toBe(true);
    expect(restored.trail.length).toBeGreaterThan(lastAcked);
    expect(restored.trail).toEqual(pages.slice(0, restored.trail.length));

    // The client resends everything it has no ack for, and (to be sure) the acked ones too:
    // each is acked, and nothing already applied is applied again (a revisit would move a page
    // to the end of the trail).
    for (const [i, page] of pages.entries()) {
      expect(await after.visit(ids[i]!, page)).toEqual({type: 'ack', id: ids[i]});
    }
    const final = await after.view((v) => v.trail.length === pages.length);
    expect(final.trail).toEqual(pages);
    const http2 = new HttpClient(server.url);
    const {json} = await http2.get<{trail: string[]}>('/api/session', {cookie});
    expect(json.trail).toEqual(pages);
  });
});

describe('sync durability: SIGKILL with a touch deferred (issue 15)', () => {
  it('loses at most the deferred expiry slide (5 minutes at most), never an acked visit', async () => {
    const cookie = await startAndLogIn();
    await server!.stop();
    // As if the session last slid its expiry two minutes ago: the next answer slides it again,
    // and the write of that slide is deferred.
    const file = dir.file('sessions.db');
    const db = new Database(file);
    db.prepare('UPDATE sessions SET expires = expires - 120000').run();
    const oldExpiry = db.prepare('SELECT expires FROM sessions').pluck().get() as number;
    db.close();

    server = await startChildServer(config(), PASSWORDS);
    const {json} = await new HttpClient(server.url).get<{expiresAt: string}>('/api/session', {
      cookie,
    });
    const slid = Date.parse(json.expiresAt);
    expect(slid - oldExpiry).toBeGreaterThanOrEqual(120_000);
    const socket = await connect(server.url, cookie);
    await socket.view((v) => v.stored);
    expect(await socket.visit('op-1', 'AfterTouch')).toEqual({type: 'ack', id: 'op-1'});
    await server.kill();

    const after = new Database(file, {readonly: true});
    const row = after.prepare('SELECT trail, expires FROM sessions').get() as {
      trail: string;
      expires: number;
    };
    after.close();
    expect(JSON.parse(row.trail)).toContain('AfterTouch');
    // The slide is written or lost as a whole; lost, the session ends early by that slide, at
    // most a twentieth of its 12-hour lifetime.
    expect([oldExpiry, slid]).toContain(row.expires);
    expect(slid - row.expires).toBeLessThanOrEqual(36 * 60_000);
    server = await startChildServer(config(), PASSWORDS);
    const view = await new HttpClient(server.url).get<{user: unknown}>('/api/session', {cookie});
    expect(view.json.user).toEqual({name: 'Bob'});
  });
});
