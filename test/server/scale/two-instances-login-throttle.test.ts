import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {HttpClient, statusCounts} from '../../support/http-client.js';
import {startCluster, type Cluster} from './cluster-harness.js';

const LIMIT = 5;
let cluster: Cluster;

beforeAll(async () => {
  // The addresses come from X-Forwarded-For, so one test machine can be many clients.
  cluster = await startCluster(2, {login_max_failures: LIMIT, trust_proxy: true});
});

afterAll(async () => {
  await cluster.close();
});

function login(on: number, name: string, password: string, address: string) {
  return new HttpClient(cluster.instances[on]!.url).post(
    '/api/login',
    {name, password},
    {headers: {'x-forwarded-for': address}}
  );
}

const statuses = statusCounts;

describe('two instances on one Redis: the login throttle', () => {
  it('checks at most login_max_failures passwords for one name in total when guesses arrive at once on both', async () => {
    const guesses = Array.from({length: 60}, (_, i) => `guess${i}`).concat('alice-pw');
    // Half on each instance, each from its own address: only the shared per-name count holds.
    const answers = await Promise.all(
      guesses.map((pw, i) => login(i % 2, 'Alice', pw, `198.51.100.${i + 1}`))
    );
    const counts = statuses(answers);
    // Each instance counting alone would check LIMIT on each: 2 × LIMIT.
    expect((counts[401] ?? 0) + (counts[200] ?? 0)).toBeLessThanOrEqual(LIMIT);
    expect(counts[429]).toBeGreaterThanOrEqual(61 - LIMIT);
    const refused = answers.filter((r) => r.status === 429);
    expect(new Set(refused.map((r) => (r.json as {error: {code: string}}).error.code))).toEqual(
      new Set(['too_many_attempts'])
    );
    expect(refused.every((r) => Number(r.headers['retry-after']) >= 1)).toBe(true);
  });

  it('checks at most login_max_failures passwords from one address in total across both', async () => {
    const answers = await Promise.all(
      Array.from({length: 60}, (_, i) => login(i % 2, `name${i}`, 'x', '203.0.113.7'))
    );
    const counts = statuses(answers);
    expect(counts[401] ?? 0).toBeLessThanOrEqual(LIMIT);
    expect(counts[429]).toBeGreaterThanOrEqual(60 - LIMIT);
  });

  // (Alice's name is still throttled by the first test: the window is shared too.)
  it('lets a real user from another address log in on either instance meanwhile', async () => {
    const flood = Array.from({length: 60}, (_, i) =>
      login(i % 2, 'Bob', `guess${i}`, '203.0.113.99')
    );
    const real = await Promise.all([
      login(0, 'Admin', 'admin-pw', '192.0.2.10'),
      login(1, 'Admin', 'admin-pw', '192.0.2.11'),
    ]);
    await Promise.all(flood);
    expect(real.map((r) => r.status)).toEqual([200, 200]);
  });
});
