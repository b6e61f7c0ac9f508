import {afterEach, describe, expect, it, vi} from 'vitest';
import {createLogger} from '../../../server/log.js';
import {sessionKey, sessionRef} from '../../../server/session/ids.js';
import {
  ObservableStore,
  ResyncBus,
  startHarness,
  type Harness,
} from '../../support/sync-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const sidOf = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);

describe('sync lifecycle: changes from other sources', () => {
  it('pushes change user and return to every socket of the session', async () => {
    h = await startHarness();
    const cookie = await h.login('Admin');
    const a = await h.connect(cookie);
    const b = await h.connect(cookie);
    await h.service.engine.su(await h.context(cookie), 'Bob');
    for (const c of [a, b]) {
      expect(await c.view((v) => v.realUser !== null)).toMatchObject({
        user: {name: 'Bob'},
        realUser: {name: 'Admin'},
        superuser: true,
      });
    }
    await h.service.engine.suReturn(await h.context(cookie));
    expect(await a.view((v) => v.realUser === null && a.views().length > 2)).toMatchObject({
      user: {name: 'Admin'},
    });
  });

  it('pushes the anonymous view on logout and refuses further visits with no_session', async () => {
    h = await startHarness();
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    await c.view((v) => v.stored);
    await h.service.engine.logout(await h.context(cookie));
    expect(await c.view((v) => !v.stored)).toMatchObject({user: null, stored: false, rev: 0});
    expect(await c.visit('late', 'After')).toMatchObject({type: 'error', code: 'no_session'});
    expect(c.ws.readyState).toBe(1);
  });

  it('pushes the anonymous view to the old session’s sockets when a login rotates the id', async () => {
    h = await startHarness({cookie_lifetime: [1, 12]});
    const anon = await h.context('');
    // An anonymous stored session (the browser sent its pending cookie back).
    const pending = (await h.service.engine.finish(anon))[0]!.split(';')[0]!;
    const ctx = await h.context(pending);
    const oldCookie = `${h.service.engine.cookieName}=${ctx.sid}`;
    const c = await h.connect(oldCookie);
    expect((await c.view()).stored).toBe(true);
    await h.service.engine.login(ctx, 'Bob', 'bob-pw', false);
    expect(await c.view((v) => !v.stored)).toMatchObject({user: null});
  });

  it('pushes the anonymous view when another process revokes the session (store change, no bus)', async () => {
    const store = new ObservableStore();
    h = await startHarness({}, {store});
    const bob = await h.login('Bob');
    const carol = await h.login('Carol');
    const b = await h.connect(bob);
    const c = await h.connect(carol);
    await b.view();
    await store.revokeUser('Bob');
    store.announce(null);
    expect(await b.view((v) => !v.stored)).toMatchObject({user: null});
    await c.roundTrip();
    expect(c.views()).toHaveLength(1);
    expect(c.latest()?.stored).toBe(true);
  });

  it('pushes a session another process changed when the store names its key', async () => {
    const store = new ObservableStore();
    h = await startHarness({}, {store});
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    await c.view();
    const key = sessionKey(sidOf(cookie));
    await store.mutate(key, {type: 'visit', page: 'FromCli', trailSize: 5}, Date.now());
    store.announce([key]);
    expect((await c.view((v) => v.trail.length === 1)).trail).toEqual(['FromCli']);
  });

  it('sends a fresh full view to every socket when the bus resyncs', async () => {
    const bus = new ResyncBus();
    h = await startHarness({}, {bus});
    const bob = await h.connect(await h.login('Bob'));
    const anon = await h.connect(null);
    await bob.view();
    await anon.view();
    bus.resync();
    await bob.waitFor(() => bob.views().length === 2);
    await anon.waitFor(() => anon.views().length === 2);
    expect(bob.views()[1]).toEqual(bob.views()[0]);
    expect(anon.views()[1]?.stored).toBe(false);
  });
});

describe('sync lifecycle: re-validation of long-lived sockets', () => {
  it('ends the session of a user disabled while its socket is open, at the next heartbeat', async () => {
    h = await startHarness({ping_interval_seconds: 1});
    const c = await h.connect(await h.login('Bob'));
    await c.view();
    h.users.setDisabled('Bob', true);
    expect(await c.view((v) => !v.stored, 5000)).toMatchObject({user: null});
    expect(await c.visit('x', 'P')).toMatchObject({code: 'no_session'});
  });

  it('returns from change user when the target is disabled meanwhile', async () => {
    h = await startHarness({ping_interval_seconds: 1});
    const cookie = await h.login('Admin');
    const c = await h.connect(cookie);
    await h.service.engine.su(await h.context(cookie), 'Bob');
    await c.view((v) => v.realUser !== null);
    h.users.setDisabled('Bob', true);
    const back = await c.view((v) => v.realUser === null && c.views().length > 2, 5000);
    expect(back).toMatchObject({user: {name: 'Admin'}, stored: true});
  });
});

describe('sync lifecycle: expiry', () => {
  // A 3-second logged-in lifetime; the clock starts at a whole minute, since 1.9 rounds expiry
  // times down to the minute.
  async function threeSecondSession() {
    const base = Date.now();
    const start = Math.ceil(base / 60_000) * 60_000;
    const now = () => start + (Date.now() - base);
    h = await startHarness({cookie_lifetime: [0, 0.001]}, {now});
    const c = await h.connect(await h.login('Bob'));
    return {start, now, c};
  }

  it('pushes the anonymous view when the session expires, not before', async () => {
    const {start, now, c} = await threeSecondSession();
    const first = await c.view();
    expect(first.expiresAt).toBe(new Date(start + 3000).toISOString());
    const gone = await c.view((v) => !v.stored, 8000);
    expect(now()).toBeGreaterThanOrEqual(start + 3000);
    expect(gone).toMatchObject({user: null, stored: false});
    expect(await c.visit('x', 'Late')).toMatchObject({code: 'no_session'});
  });

  it('still pushes the anonymous view at expiry after visits that leave the expiry alone', async () => {
    // The room's expiry timer is set once per expiry, not again on every visit.
    const {start, now, c} = await threeSecondSession();
    await c.view();
    for (const [i, page] of ['A', 'B', 'C'].entries()) {
      expect(await c.visit(`v${i}`, page)).toMatchObject({type: 'ack'});
    }
    const visited = await c.view((v) => v.trail.at(-1) === 'C');
    expect(visited.expiresAt).toBe(new Date(start + 3000).toISOString());
    const gone = await c.view((v) => !v.stored, 8000);
    expect(now()).toBeGreaterThanOrEqual(start + 3000);
    expect(gone).toMatchObject({user: null, stored: false});
  });
});

describe('sync lifecycle: socket activity keeps the session alive', () => {
  // The touch is written a moment later (DeferredTouches, issue 15), once for all the messages.
  it('slides the stored expiry on messages, written at most once a minute', async () => {
    const store = new ObservableStore();
    let t = Math.ceil(Date.now() / 60_000) * 60_000;
    h = await startHarness({}, {store, now: () => t});
    const cookie = await h.login('Bob');
    const key = sessionKey(sidOf(cookie));
    const c = await h.connect(cookie);
    await c.view();
    const before = (await store.get(key, t))!.expiresAt;
    const touches = store.ops['touch'] ?? 0;
    t += 2 * 60_000;
    await c.roundTrip();
    await c.roundTrip();
    await c.visit('v', 'Page');
    await c.roundTrip();
    const stored = async () => (await store.get(key, t))!.expiresAt;
    await vi.waitFor(async () => expect(await stored()).toBe(before + 2 * 60_000), 5000);
    expect(store.ops['touch']).toBe(touches + 1);
    t += 60_000;
    await c.roundTrip();
    await c.roundTrip();
    await vi.waitFor(async () => expect(await stored()).toBe(before + 3 * 60_000), 5000);
    expect(store.ops['touch']).toBe(touches + 2);
  });
});

describe('sync lifecycle: shutdown and metrics', () => {
  it('closes every socket with 1001 on close()', async () => {
    h = await startHarness();
    const a = await h.connect(await h.login('Bob'));
    const b = await h.connect(null);
    await h.service.close();
    expect(await a.closed).toBe(1001);
    expect(await b.closed).toBe(1001);
    expect(h.service.sync.socketCount).toBe(0);
  });

  it('counts open sockets and messages in and out by type', async () => {
    h = await startHarness();
    const c = await h.connect(await h.login('Bob'));
    await h.connect(null);
    await c.visit('m1', 'Metered');
    c.send('nonsense');
    await c.waitFor((m) => m.type === 'error');
    await c.roundTrip();
    const text = await h.service.metrics.registry.metrics();
    expect(text).toMatch(/^moin_sockets 2$/m);
    expect(text).toMatch(/^moin_ws_messages_total\{direction="in",type="visit"\} 1$/m);
    expect(text).toMatch(/^moin_ws_messages_total\{direction="in",type="bad"\} 1$/m);
    expect(text).toMatch(/^moin_ws_messages_total\{direction="out",type="ack"\} 1$/m);
    expect(text).toMatch(/^moin_ws_messages_total\{direction="out",type="pong"\} 1$/m);
    expect(text).toMatch(/^moin_errors_total\{code="bad_message"\} 1$/m);
  });
});

describe('sync lifecycle: logs', () => {
  it('logs socket events with a session ref, never the session id', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', {destination: {write: (l: string) => lines.push(l)}});
    h = await startHarness({log_level: 'debug'}, {logger});
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    await c.visit('l1', 'Logged');
    c.send('garbage');
    await c.waitFor((m) => m.type === 'error');
    await h.service.engine.logout(await h.context(cookie));
    await c.view((v) => !v.stored);
    c.ws.close();
    await c.closed;
    await h.service.close();
    const text = lines.join('');
    expect(text).toContain('"event":"ws_open"');
    expect(text).toContain(`"session":"${sessionRef(sessionKey(sidOf(cookie)))}"`);
    expect(text).not.toContain(sidOf(cookie));
  });
});
