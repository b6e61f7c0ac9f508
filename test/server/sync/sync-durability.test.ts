import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {HttpClient} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {SyncClient} from './sync-harness.js';
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

describe('sync durability: SIGKILL right after acks', () => {
  it('keeps every acked visit, in order, and still deduplicates old op ids after a restart', async () => {
    server = await startChildServer(config(), PASSWORDS);
    const http = new HttpClient(server.url);
    expect((await http.post('/api/login', {name: 'Bob', password: 'bob-pw'})).status).toBe(200);
    const cookie = http.cookieHeader();
    const pages = Array.from({length: 80}, (_, i) => `Page${String(i).padStart(2, '0')}`);
    const ids = pages.map((_, i) => `tab1:${i}`);

    const before = await connect(server.url, cookie);
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
