import {afterEach, describe, expect, it, onTestFinished} from 'vitest';
import {mustSetCookie} from '../../support/cookies.js';
import {restarts, startService, type TestService} from '../../support/test-service.js';

let t: TestService | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const anonymous = {cookie_lifetime: [1, 12], trust_proxy: true};

/** A genuine pending token, as a first visit from `address` gets it. */
async function pendingToken(service: TestService, address = '192.0.2.1'): Promise<string> {
  const res = await service.client().get('/api/session', {headers: {'x-forwarded-for': address}});
  const value = mustSetCookie(res).value;
  expect(value).toMatch(/^p\./);
  return value;
}

function visit(service: TestService, token: string, address = '192.0.2.1') {
  return service.client().get('/api/session', {
    cookie: `MOIN_SESSION=${token}`,
    headers: {'x-forwarded-for': address},
  });
}

describe('pending tokens', () => {
  it('stores nothing for a made-up pending token sent 50 times at once', async () => {
    t = await startService(anonymous);
    const service = t;
    const forged = 'p.' + 'A'.repeat(43);
    const answers = await Promise.all(Array.from({length: 50}, () => visit(service, forged)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(await t.service.store.count(t.clock.ms)).toBe(0);
    // Each answer offers a genuine token instead.
    expect(mustSetCookie(answers[0]!).value).toMatch(/^p\./);
  });

  it('stores one session for a genuine token replayed 50 times at once, all on the same id', async () => {
    t = await startService(anonymous);
    const service = t;
    const token = await pendingToken(t);
    const answers = await Promise.all(Array.from({length: 50}, () => visit(service, token)));
    const ids = new Set(answers.map((r) => mustSetCookie(r).value));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.service.store.count(t.clock.ms)).toBe(1);
    // Later still the same session.
    expect(mustSetCookie(await visit(t, token)).value).toBe([...ids][0]);
    expect(await t.service.store.count(t.clock.ms)).toBe(1);
  });

  it('stores nothing when a token comes back after its session expired, even 20 at once', async () => {
    t = await startService(anonymous);
    const service = t;
    const token = await pendingToken(t);
    const stored = mustSetCookie(await visit(t, token)).value;
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Inside the window a replay lands on the same session.
    t.clock.advance(30 * 60_000);
    expect(mustSetCookie(await visit(t, token)).value).toBe(stored);
    // One anonymous lifetime (1 h) after its last use the session has expired and the token is
    // past its bound: the replays are fresh visits and nothing is stored again.
    t.clock.advance(61 * 60_000);
    expect(await t.service.store.purgeExpired(t.clock.ms)).toBe(1);
    const answers = await Promise.all(Array.from({length: 20}, () => visit(service, token)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    for (const r of answers) expect(mustSetCookie(r).value).toMatch(/^p\./);
    expect(await t.service.store.count(t.clock.ms)).toBe(0);
  });

  it('stores nothing for an unused token kept past a day, whatever the anonymous lifetime', async () => {
    t = await startService({...anonymous, cookie_lifetime: [87_600, 12]});
    const token = await pendingToken(t);
    t.clock.advance(24 * 3_600_000);
    const answer = await visit(t, token);
    expect(mustSetCookie(answer).value).toMatch(/^p\./);
    expect(await t.service.store.count(t.clock.ms)).toBe(0);
  });

  it('stores nothing for a genuine token whose issue time was changed', async () => {
    t = await startService(anonymous);
    const service = t;
    const token = await pendingToken(t);
    t.clock.advance(2 * 3_600_000);
    // Dated now (or a second either side), its nonce and MAC kept.
    const raw = Buffer.from(token.slice(2), 'base64url');
    const now = Math.floor(t.clock.ms / 1000);
    const redated = [now - 1, now, now + 1].map((seconds) => {
      raw.writeUInt32BE(seconds);
      return 'p.' + raw.toString('base64url');
    });
    const answers = await Promise.all(redated.map((value) => visit(service, value)));
    for (const r of answers) expect(mustSetCookie(r).value).toMatch(/^p\./);
    expect(await t.service.store.count(t.clock.ms)).toBe(0);
  });

  it('stores at most new_sessions_per_address from one address, never holding back another', async () => {
    const logLines: string[] = [];
    t = await startService({...anonymous, new_sessions_per_address: 3}, {logLines});
    const service = t;
    const tokens = await Promise.all(Array.from({length: 10}, () => pendingToken(service)));
    const answers = await Promise.all(tokens.map((token) => visit(service, token)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(await t.service.store.count(t.clock.ms)).toBe(3);
    const spent = logLines.filter((l) => l.includes('"session_budget_spent"'));
    expect(spent).toHaveLength(1);
    expect(spent[0]).toContain('"address":"192.0.2.1"');
    // Another address is served and stored as ever.
    const other = await visit(t, await pendingToken(t, '198.51.100.7'), '198.51.100.7');
    expect(mustSetCookie(other).value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.service.store.count(t.clock.ms)).toBe(4);
  });

  it('counts new sessions from one IPv6 /64 together; the next /64 is not held back', async () => {
    t = await startService({...anonymous, new_sessions_per_address: 3});
    const service = t;
    const from = (i: number) => `2001:db8:1:2::${(i + 1).toString(16)}`;
    const tokens = await Promise.all(
      Array.from({length: 8}, (_, i) => pendingToken(service, from(i)))
    );
    await Promise.all(tokens.map((token, i) => visit(service, token, from(i))));
    expect(await t.service.store.count(t.clock.ms)).toBe(3);
    const other = '2001:db8:1:3::1';
    const stored = await visit(t, await pendingToken(t, other), other);
    expect(mustSetCookie(stored).value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.service.store.count(t.clock.ms)).toBe(4);
  });

  it('recognises its tokens after a restart on the same store (the key lives in the store)', async () => {
    const r = await restarts();
    onTestFinished(() => r.cleanup());
    const first = await r.start(anonymous);
    const token = await pendingToken(first);
    const stored = mustSetCookie(await visit(first, token)).value;
    const second = await r.start(anonymous);
    expect(mustSetCookie(await visit(second, token)).value).toBe(stored);
    expect(await second.service.store.count(second.clock.ms)).toBe(1);
  });
});
