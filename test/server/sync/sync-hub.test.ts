import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {ObservableStore, startHarness, type Harness} from '../../support/sync-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('sync hub: opening a socket', () => {
  beforeEach(async () => {
    h = await startHarness({trail_size: 10});
  });

  it('pushes the logged-in view first', async () => {
    const c = await h.connect(await h.login('Bob'));
    const v = await c.view();
    expect(v).toMatchObject({user: {name: 'Bob'}, realUser: null, stored: true, trail: []});
    expect(v.rev).toBeGreaterThan(0);
    expect(c.messages[0]?.type).toBe('session');
  });

  it('opens without a cookie with the anonymous, unstored view', async () => {
    const c = await h.connect(null);
    expect(await c.view()).toEqual({
      user: null,
      realUser: null,
      superuser: false,
      trail: [],
      stored: false,
      expiresAt: null,
      rev: 0,
    });
  });

  it('refuses a visit without a stored session with no_session', async () => {
    const c = await h.connect(null);
    expect(await c.visit('a1', 'FrontPage')).toMatchObject({
      type: 'error',
      id: 'a1',
      code: 'no_session',
    });
  });

  it('never adopts an unknown session id from the cookie', async () => {
    const forged = `${h.service.engine.cookieName}=${'A'.repeat(43)}`;
    const c = await h.connect(forged);
    expect((await c.view()).stored).toBe(false);
    expect((await c.visit('f1', 'FrontPage')).type).toBe('error');
    expect(await h.service.store.list(Date.now())).toHaveLength(0);
  });

  it('does not store a session for a pending token (its id could never reach the browser)', async () => {
    const h2 = await startHarness({cookie_lifetime: [1, 12]});
    try {
      const pending = `${h2.service.engine.cookieName}=p.${'B'.repeat(43)}`;
      const c = await h2.connect(pending);
      expect((await c.view()).stored).toBe(false);
      expect(await h2.service.store.list(Date.now())).toEqual([]);
    } finally {
      await h2.close();
    }
  });
});

describe('sync hub: visits', () => {
  beforeEach(async () => {
    h = await startHarness({trail_size: 10});
  });

  it('acks a visit once stored and pushes the new trail', async () => {
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    expect(await c.visit('op-1', 'FrontPage')).toEqual({type: 'ack', id: 'op-1'});
    expect((await c.view((v) => v.trail.length === 1)).trail).toEqual(['FrontPage']);
    const ctx = await h.context(cookie);
    expect(ctx.record?.trail).toEqual(['FrontPage']);
  });

  it('shows each visit to every socket of the session and to no other session', async () => {
    const bob = await h.login('Bob');
    const a = await h.connect(bob);
    const b = await h.connect(bob);
    const other = await h.connect(await h.login('Carol'));
    await other.view();
    expect(await a.visit('a:1', 'FromA')).toMatchObject({type: 'ack'});
    expect(await b.visit('b:1', 'FromB')).toMatchObject({type: 'ack'});
    for (const c of [a, b]) {
      expect((await c.view((v) => v.trail.length === 2)).trail).toEqual(['FromA', 'FromB']);
    }
    await other.roundTrip();
    expect(other.views().every((v) => v.trail.length === 0)).toBe(true);
    expect(other.views()).toHaveLength(1);
  });

  it('acks a resent op id again and applies it once', async () => {
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    expect(await c.visit('dup', 'One')).toMatchObject({type: 'ack'});
    expect(await c.visit('x', 'Two')).toMatchObject({type: 'ack'});
    const rev = (await c.view((v) => v.trail.length === 2)).rev;
    c.send({type: 'visit', id: 'dup', page: 'One'});
    const acks = () => c.messages.filter((m) => m.type === 'ack' && m.id === 'dup').length;
    await c.waitFor(() => acks() === 2);
    await c.roundTrip();
    const ctx = await h.context(cookie);
    expect(ctx.record?.trail).toEqual(['One', 'Two']);
    expect(ctx.record?.rev).toBe(rev);
  });

  it('acks a resend from another socket of the same session (op ids live with the session)', async () => {
    const cookie = await h.login('Bob');
    const first = await h.connect(cookie);
    expect(await first.visit('q:7', 'Queued')).toMatchObject({type: 'ack'});
    first.ws.close();
    const again = await h.connect(cookie);
    expect(await again.visit('q:7', 'Queued')).toEqual({type: 'ack', id: 'q:7'});
    expect(await again.visit('q:8', 'Next')).toEqual({type: 'ack', id: 'q:8'});
    expect((await again.view((v) => v.trail.length === 2)).trail).toEqual(['Queued', 'Next']);
  });

  it('keeps the order of a burst of visits from one socket', async () => {
    const c = await h.connect(await h.login('Bob'));
    const pages = Array.from({length: 10}, (_, i) => `Page${i}`);
    pages.forEach((page, i) => c.send({type: 'visit', id: `o${i}`, page}));
    await c.waitFor(() => c.messages.filter((m) => m.type === 'ack').length === 10);
    expect((await c.view((v) => v.trail.length === 10)).trail).toEqual(pages);
  });

  it('answers an application ping with pong', async () => {
    const c = await h.connect(null);
    c.send({type: 'ping'});
    expect(await c.waitFor((m) => m.type === 'pong')).toEqual({type: 'pong'});
  });
});

describe('sync hub: bad frames', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  const cases: [string, string | Buffer, Record<string, unknown>][] = [
    ['malformed JSON', '{"type":', {code: 'bad_message'}],
    ['a JSON array', '[1,2]', {code: 'bad_message'}],
    ['an unknown type', '{"type":"delete_everything"}', {code: 'bad_message'}],
    ['a visit without an id', '{"type":"visit","page":"X"}', {code: 'bad_message'}],
    ['a bad op id', '{"type":"visit","id":"a b","page":"X"}', {code: 'bad_message'}],
    ['a blank page', '{"type":"visit","id":"v1","page":"   "}', {code: 'invalid_page', id: 'v1'}],
    ['a control character', '{"type":"visit","id":"v2","page":"A\\u0007"}', {code: 'invalid_page'}],
    ['a binary frame', Buffer.from('{"type":"ping"}'), {code: 'bad_message'}],
  ];

  for (const [name, data, expected] of cases) {
    it(`answers ${name} with an error and keeps working`, async () => {
      const cookie = await h.login('Bob');
      const c = await h.connect(cookie);
      c.ws.send(data);
      const err = await c.waitFor((m) => m.type === 'error');
      expect(err).toMatchObject({type: 'error', ...expected});
      expect(typeof (err as {message: unknown}).message).toBe('string');
      expect(await c.visit('after', 'StillWorks')).toEqual({type: 'ack', id: 'after'});
      const ctx = await h.context(cookie);
      expect(ctx.record?.trail).toEqual(['StillWorks']);
    });
  }

  it('closes only the socket that sent a frame over 4 KiB, with 1009', async () => {
    const cookie = await h.login('Bob');
    const big = await h.connect(cookie);
    const other = await h.connect(cookie);
    big.send({type: 'visit', id: 'big', page: 'x'.repeat(5000)});
    expect(await big.closed).toBe(1009);
    expect(await other.visit('ok', 'Fine')).toEqual({type: 'ack', id: 'ok'});
    expect(h.service.sync.socketCount).toBe(1);
  });

  it('takes the identity from the session, never from message fields', async () => {
    const bob = await h.login('Bob');
    const c = await h.connect(bob);
    c.send({type: 'visit', id: 'sneaky', page: 'P', user: 'Admin', session: 'other'});
    await c.waitFor((m) => m.type === 'ack');
    expect((await c.view((v) => v.trail.length === 1)).user).toEqual({name: 'Bob'});
  });
});

describe('sync hub: fan-out of its own changes', () => {
  it("pushes a visit's new view without reading the session again, and reads for a change from elsewhere", async () => {
    const store = new ObservableStore();
    h = await startHarness({trail_size: 10}, {store});
    const cookie = await h.login('Bob');
    const c = await h.connect(cookie);
    await c.view();
    await c.roundTrip();
    const reads = store.reads;
    expect(await c.visit('op-1', 'FrontPage')).toMatchObject({type: 'ack'});
    expect((await c.view((v) => v.trail.length === 1)).trail).toEqual(['FrontPage']);
    expect(store.reads).toBe(reads);
    // A change announced without a rev (another process, the CLI): read again.
    store.announce(null);
    await c.roundTrip();
    expect(store.reads).toBeGreaterThan(reads);
  });
});
