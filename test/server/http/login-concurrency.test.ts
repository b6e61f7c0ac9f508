import {afterEach, describe, expect, it} from 'vitest';
import {createLogger} from '../../../server/log.js';
import {createSessionService, type SessionService} from '../../../server/service.js';
import {FileUserDirectory} from '../../../server/users/file-user-directory.js';
import type {UserInfo} from '../../../server/users/types.js';
import {HttpClient, statusCounts} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';

/** The real users file (real scrypt), counting the password checks it runs, per name. */
class CountingUsers extends FileUserDirectory {
  /** The names checked, in the order the checks started. */
  names: string[] = [];
  get checked(): number {
    return this.names.length;
  }
  /** Every check waits for this once counted (a test holds the checks to fill the queue). */
  gate: Promise<void> = Promise.resolve();
  override async verify(name: string, password: string): Promise<UserInfo | undefined> {
    this.names.push(name);
    await this.gate;
    return super.verify(name, password);
  }
}

let dir: TempDir | undefined;
let service: SessionService | undefined;
afterEach(async () => {
  await service?.close();
  await dir?.cleanup();
  service = undefined;
  dir = undefined;
});

async function start(config: Record<string, unknown> = {}) {
  dir = await makeTempDir('moin-login-flood-');
  const users = new CountingUsers(dir.file('users.json'));
  await users.add('Alice', 'alice-pw');
  // The warnings the service logs, one JSON line each.
  const logLines: string[] = [];
  const logger = createLogger('info', {destination: {write: (l: string) => void logLines.push(l)}});
  service = createSessionService(
    {store: `sqlite:${dir.file('sessions.db')}`, log_level: 'silent', trust_proxy: true, ...config},
    {users, root: dir.file('root'), logger}
  );
  const {url} = await service.listen(0, '127.0.0.1');
  users.names = [];
  const logged = (event: string) =>
    logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['event'] === event);
  return {url, users, logged};
}

function login(url: string, name: string, password: string, address: string) {
  return new HttpClient(url).post(
    '/api/login',
    {name, password},
    {
      headers: {'x-forwarded-for': address},
    }
  );
}

const statuses = statusCounts;

describe('login throttle under concurrency', () => {
  it('checks at most login_max_failures passwords for one name when 60 guesses arrive at once', async () => {
    const {url, users, logged} = await start();
    const guesses = Array.from({length: 59}, (_, i) => `guess${i}`).concat('alice-pw');
    // Each from its own address: only the per-name count can hold them.
    const answers = await Promise.all(
      guesses.map((pw, i) => login(url, 'Alice', pw, `198.51.100.${i + 1}`))
    );
    expect(users.checked).toBeLessThanOrEqual(5);
    const counts = statuses(answers);
    expect((counts[401] ?? 0) + (counts[200] ?? 0)).toBeLessThanOrEqual(5);
    expect(counts[429]).toBeGreaterThanOrEqual(55);
    // One warning for the whole flood (at most one per 10 s), not one per refused guess.
    expect(logged('login_throttled')).toEqual([
      expect.objectContaining({level: 40, refused: 1, address: expect.stringMatching(/^198\.51/)}),
    ]);
  });

  it('checks at most login_max_failures passwords from one address for 60 names at once', async () => {
    const {url, users} = await start();
    const answers = await Promise.all(
      Array.from({length: 60}, (_, i) => login(url, `name${i}`, 'x', '203.0.113.7'))
    );
    expect(users.checked).toBeLessThanOrEqual(5);
    expect(statuses(answers)[429]).toBeGreaterThanOrEqual(55);
  });

  it('lets a login from another address through promptly during a flood from one address', async () => {
    const {url, users} = await start();
    const flood = Array.from({length: 200}, (_, i) =>
      login(url, `random${i}`, 'guess', '203.0.113.66')
    );
    const started = performance.now();
    const real = await login(url, 'Alice', 'alice-pw', '192.0.2.10');
    const took = performance.now() - started;
    const answers = await Promise.all(flood);
    expect(real.status).toBe(200);
    // At most 5 flood checks ran before it (~50 ms of scrypt each); before the fix all 200 did.
    expect(users.names.indexOf('Alice')).toBeLessThanOrEqual(5);
    expect(users.checked).toBeLessThanOrEqual(6);
    // Generous for a loaded CI machine: the HTTP work of 200 connections is in it too.
    expect(took).toBeLessThan(6000);
    expect(statuses(answers)[429]).toBeGreaterThanOrEqual(195);
  });

  it('answers 503 login_busy when every check place and queue place is taken', async () => {
    const {url, users, logged} = await start({login_concurrent_checks: 1, login_queue_size: 1});
    // The first check is held until the four logins past its place and the queue's one have been
    // refused, however slowly a loaded machine parses the six (5 s at most, should that never be).
    let refused = 0;
    let release = (): void => undefined;
    users.gate = new Promise((resolve) => {
      release = resolve;
      setTimeout(resolve, 5000).unref();
    });
    const answers = await Promise.all(
      Array.from({length: 6}, (_, i) =>
        login(url, 'Alice', 'wrong', `192.0.2.${i + 1}`).then((r) => {
          if (r.status === 503 && ++refused === 4) release();
          return r;
        })
      )
    );
    // One check ran, one waited in the queue's only place and ran next; the other four checked
    // nothing.
    expect(users.checked).toBe(2);
    expect(statuses(answers)).toEqual({401: 2, 503: 4});
    const busy = answers.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(busy[0]!.json).toMatchObject({error: {code: 'login_busy'}});
    expect(busy[0]!.headers['retry-after']).toBe('1');
    expect(logged('login_busy')).toEqual([
      expect.objectContaining({
        level: 40,
        refused: 1,
        address: expect.stringMatching(/^192\.0\.2/),
      }),
    ]);
    // A refusal by the queue checked nothing and is given back: the name is not locked by it.
    expect(users.checked + busy.length).toBeLessThanOrEqual(6);
    expect((await login(url, 'Alice', 'alice-pw', '192.0.2.99')).status).toBe(200);
  });
});
