import {afterEach, describe, expect, it} from 'vitest';
import type {SessionView} from '../../../shared/index.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';

let t: TestService;
afterEach(async () => {
  await t?.close();
});

describe('POST /api/trail', () => {
  it('refuses visits past the session’s visit_burst with 429 rate_limited, others unaffected', async () => {
    t = await startService({trail_size: 100, visit_burst: 5, visit_rate: 1});
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const other = t.client();
    await other.post('/api/login', {name: 'Bob', password: PASSWORDS.Bob});
    const answers = await Promise.all(
      Array.from({length: 12}, (_, i) => c.post<SessionView>('/api/trail', {page: `P${i}`}))
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(7);
    expect(limited[0]!.json).toMatchObject({error: {code: 'rate_limited'}});
    expect(limited[0]!.headers['retry-after']).toBe('1');
    const view = await c.get<SessionView>('/api/session');
    expect(view.json.trail).toHaveLength(5);
    expect((await other.post('/api/trail', {page: 'B'})).status).toBe(200);
  });

  it('trims the page name', async () => {
    t = await startService();
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const res = await c.post<SessionView>('/api/trail', {page: '  Front Page  '});
    expect(res.json.trail).toEqual(['Front Page']);
  });

  it('applies an op id once: a resend changes nothing', async () => {
    t = await startService();
    const c = t.client();
    await c.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    const a = await c.post<SessionView>('/api/trail', {page: 'A', id: 'op-1'});
    await c.post('/api/trail', {page: 'B'});
    const again = await c.post<SessionView>('/api/trail', {page: 'A', id: 'op-1'});
    expect(again.status).toBe(200);
    expect(again.json.trail).toEqual(['A', 'B']);
    expect(again.json.rev).toBe(a.json.rev + 1);
  });

  it('gives 40 parallel visits on one session 40 revisions and loses none', async () => {
    t = await startService({trail_size: 100});
    const c = t.client();
    const start = (
      await c.post<SessionView>('/api/login', {name: 'Alice', password: PASSWORDS.Alice})
    ).json;
    const pages = Array.from({length: 40}, (_, i) => `Page${i}`);
    const answers = await Promise.all(
      pages.map((page) => c.post<SessionView>('/api/trail', {page}))
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const revs = answers.map((r) => r.json.rev);
    expect(new Set(revs).size).toBe(40);
    expect(Math.min(...revs)).toBe(start.rev + 1);
    expect(Math.max(...revs)).toBe(start.rev + 40);
    const final = (await c.get<SessionView>('/api/session')).json;
    expect(final.rev).toBe(start.rev + 40);
    expect([...final.trail].sort()).toEqual([...pages].sort());
  });
});
