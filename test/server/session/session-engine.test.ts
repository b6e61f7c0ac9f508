import {describe, expect, it} from 'vitest';
import {resolveConfig, type SessionView} from '../../../shared/index.js';
import {MemoryBus} from '../../../server/bus/memory-bus.js';
import {SessionEngine, type SessionContext} from '../../../server/session/session-engine.js';
import {sessionKey} from '../../../server/session/ids.js';
import {MemoryStore} from '../../../server/store/memory-store.js';
import {MemoryUsers} from '../../support/memory-users.js';

function setup(config: Record<string, unknown> = {}) {
  const clock = {ms: Date.UTC(2026, 10, 26, 12, 0, 30)};
  const store = new MemoryStore();
  const bus = new MemoryBus();
  const published: string[] = [];
  bus.subscribe((k) => published.push(k));
  const logs: Record<string, unknown>[] = [];
  const users = new MemoryUsers({
    Admin: {password: 'a'},
    Alice: {password: 'b'},
    Bob: {password: 'c'},
  });
  const engine = new SessionEngine({
    config: resolveConfig({superuser: ['Admin'], ...config}),
    store,
    users,
    bus,
    now: () => clock.ms,
    log: (event, fields) => logs.push({event, ...fields}),
  });
  const request = (cookie?: string) => ({cookie, secure: false, address: '10.0.0.1'});
  /** Runs one request: load, act, finish; returns the cookie value it set (or '' for a deletion). */
  async function round(
    cookie: string | undefined,
    act?: (ctx: SessionContext) => Promise<unknown>
  ) {
    const ctx = await engine.load(request(cookie));
    await act?.(ctx);
    const set = await engine.finish(ctx);
    const value = set[0]?.match(/^MOIN_SESSION=([^;]*)/)?.[1];
    return {
      ctx,
      set,
      view: engine.view(ctx) as SessionView,
      cookie: value === undefined ? cookie : value ? `MOIN_SESSION=${value}` : undefined,
    };
  }
  return {clock, store, engine, users, published, logs, round};
}

describe('SessionEngine', () => {
  it('does not bring back a session that a parallel request logged out', async () => {
    const {engine, store, round, clock} = setup();
    const login = await round(undefined, (ctx) => engine.login(ctx, 'Alice', 'b', false));
    // A slow read-only request loads the session...
    const slow = await engine.load({cookie: login.cookie, secure: false, address: 'x'});
    // ...a parallel one logs out...
    await round(login.cookie, (ctx) => engine.logout(ctx));
    // ...and when the slow one finishes, a minute later, its touch must not resurrect anything.
    clock.ms += 60_000;
    const key = slow.record!.key;
    const set = await engine.finish(slow);
    expect(set[0]).toMatch(/^MOIN_SESSION=; Max-Age=0/);
    expect(await store.get(key, clock.ms)).toBeUndefined();
  });

  it('carries a visit applied while the login checked the password into the new session', async () => {
    const {engine, round} = setup({cookie_lifetime: [1, 12]});
    const pending = await round(undefined);
    const anon = await round(pending.cookie, (ctx) => engine.visit(ctx, 'Before'));
    expect(anon.view.stored).toBe(true);
    // The login request has loaded the anonymous session when a socket's visit lands.
    const loginCtx = await engine.load({cookie: anon.cookie, secure: false, address: 'x'});
    await round(anon.cookie, (ctx) => engine.visit(ctx, 'Meanwhile'));
    await engine.login(loginCtx, 'Alice', 'b', false);
    await engine.finish(loginCtx);
    expect(engine.view(loginCtx).user).toEqual({name: 'Alice'});
    expect(engine.view(loginCtx).trail).toEqual(['Before', 'Meanwhile']);
  });

  it('publishes every change on the bus: login (old and new key), visits, logout', async () => {
    const {engine, published, round} = setup({cookie_lifetime: [1, 12]});
    const first = await round(undefined);
    const anon = await round(first.cookie);
    const anonKey = anon.ctx.record!.key;
    published.length = 0;
    const login = await round(anon.cookie, (ctx) => engine.login(ctx, 'Alice', 'b', false));
    const key = login.ctx.record!.key;
    expect(published).toEqual([anonKey, key]);
    published.length = 0;
    await round(login.cookie, (ctx) => engine.visit(ctx, 'A'));
    await round(login.cookie, (ctx) => engine.visit(ctx, 'A'));
    expect(published).toEqual([key]);
    await round(login.cookie, (ctx) => engine.logout(ctx));
    expect(published).toEqual([key, key]);
  });

  it('carries req.session values from an anonymous session into a login, not into another user’s', async () => {
    const {engine, round} = setup({cookie_lifetime: [1, 12]});
    const first = await round(undefined);
    const anon = await round(first.cookie, (ctx) =>
      engine.mutate(ctx, {type: 'data', set: {cart: [1]}, del: []})
    );
    const alice = await round(anon.cookie, (ctx) => engine.login(ctx, 'Alice', 'b', false));
    expect(alice.ctx.record!.data).toEqual({cart: [1]});
    const bob = await round(alice.cookie, (ctx) => engine.login(ctx, 'Bob', 'c', false));
    expect(bob.ctx.record!.data).toEqual({});
  });

  it('never logs a session id, only refs', async () => {
    const {engine, logs, round} = setup();
    const login = await round(undefined, (ctx) => engine.login(ctx, 'Admin', 'a', true));
    await round(login.cookie, (ctx) => engine.su(ctx, 'Bob'));
    await round(login.cookie, (ctx) => engine.logout(ctx));
    const sid = login.cookie!.split('=')[1]!;
    const text = JSON.stringify(logs);
    expect(logs.map((l) => l['event'])).toEqual(['login', 'audit', 'audit', 'session_end']);
    expect(text).not.toContain(sid);
    expect(text).not.toContain(sessionKey(sid));
    expect(text).toContain(sessionKey(sid).slice(0, 12));
  });

  it('refuses a login of a disabled user and of a user removed meanwhile', async () => {
    const {engine, users, round} = setup();
    users.setDisabled('Bob', true);
    await expect(
      round(undefined, (ctx) => engine.login(ctx, 'Bob', 'c', false))
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    const login = await round(undefined, (ctx) => engine.login(ctx, 'Alice', 'b', false));
    users.remove('Alice');
    const after = await round(login.cookie);
    expect(after.view.user).toBeNull();
    expect(after.set[0]).toMatch(/Max-Age=0/);
  });
});
