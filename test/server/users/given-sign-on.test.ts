import {afterEach, describe, expect, it} from 'vitest';
import {ConfigError} from '../../../shared/index.js';
import {createLogger} from '../../../server/log.js';
import {createSessionService, type SessionService} from '../../../server/service.js';
import {FileUserDirectory} from '../../../server/users/file-user-directory.js';
import {transformGivenName} from '../../../server/users/given-method.js';
import {HttpClient} from '../../support/http-client.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {sessionCookieOf} from '../../support/cookies.js';
import {LogCapture} from '../../support/log-capture.js';
import {SyncClient} from '../../support/sync-harness.js';

let service: SessionService | undefined;
let dir: TempDir | undefined;
let logs = new LogCapture();
afterEach(async () => {
  await service?.close();
  await dir?.cleanup();
  service = dir = undefined;
});

async function start(given: Record<string, unknown> = {}, extraUsers: string[] = []) {
  dir = await makeTempDir('given-');
  const file = new FileUserDirectory(dir.file('users.json'));
  await file.add('Alice', 'alice-pw');
  await file.add('Bob Smith', 'bob-pw');
  await file.add('Carol', 'carol-pw');
  await file.setDisabled('Carol', true);
  for (const name of extraUsers) await file.add(name, `${name}-pw`);
  logs = new LogCapture();
  service = createSessionService(
    {
      store: `sqlite:${dir.file('sessions.db')}`,
      users_file: dir.file('users.json'),
      trust_proxy: true,
      auth: [{method: 'given', header: 'X-Remote-User', ...given}, {method: 'users_file'}],
      log_level: 'info',
    },
    {logger: createLogger('info', {destination: logs})}
  );
  return new HttpClient((await service.listen(0, '127.0.0.1')).url);
}

const loginLogs = () =>
  logs
    .records()
    .filter((r) => r.event === 'login')
    .map((r) => [r.user, r.method]);

type View = {user: {name: string} | null};
const as = (c: HttpClient, name: string) =>
  c.get<View>('/api/session', {headers: {'x-remote-user': name}});

describe('the given method (front-proxy sign-on)', () => {
  it('is refused at start-up without trust_proxy', () => {
    expect(() =>
      createSessionService({store: 'memory:', auth: [{method: 'given', header: 'X-Remote-User'}]})
    ).toThrow(ConfigError);
  });

  it('logs the session in with a new id; the same name changes nothing; another name switches', async () => {
    const c = await start();
    const first = await as(c, 'Alice');
    expect(first.json.user).toEqual({name: 'Alice'});
    const id1 = sessionCookieOf(first)!.value;
    const again = await as(c, 'Alice');
    expect(again.json.user).toEqual({name: 'Alice'});
    expect(sessionCookieOf(again)?.value ?? id1).toBe(id1);
    const other = await as(c, 'Bob Smith');
    expect(other.json.user).toEqual({name: 'Bob Smith'});
    const id2 = sessionCookieOf(other)!.value;
    expect(id2).not.toBe(id1);
    // Without the header the session stays as it is (the proxy decides when to send it).
    expect((await c.get<View>('/api/session')).json.user).toEqual({name: 'Bob Smith'});
    // Two logins (the repeat changed nothing), each logged with the given method.
    expect(loginLogs()).toEqual([
      ['Alice', 'given'],
      ['Bob Smith', 'given'],
    ]);
  });

  it('logs in a WebSocket upgrade whose header names a user', async () => {
    const c = await start();
    const ws = await SyncClient.open(`${c.baseUrl.replace(/^http/, 'ws')}/api/sync`, {
      origin: c.baseUrl,
      headers: {'x-remote-user': 'Alice'},
    });
    try {
      const first = await ws.waitFor((m) => m.type === 'session', 10_000);
      expect(first.type === 'session' && first.session.user).toEqual({name: 'Alice'});
      expect(loginLogs()).toEqual([['Alice', 'given']]);
    } finally {
      ws.ws.terminate();
    }
  });

  it('ignores unknown and disabled names unless autocreate is on', async () => {
    const c = await start();
    expect((await as(c, 'Mallory')).json.user).toBeNull();
    expect((await as(c, 'Carol')).json.user).toBeNull();
    await service!.close();
    await dir!.cleanup();
    const d = await start({autocreate: true});
    expect((await as(d, 'Mallory')).json.user).toEqual({name: 'Mallory'});
    expect((await as(new HttpClient(d.baseUrl), 'Carol')).json.user).toBeNull();
  });

  it('rewrites names as 1.9 GivenAuth does', async () => {
    const c = await start(
      {
        strip_maildomain: true,
        strip_windomain: true,
        titlecase: true,
        remove_blanks: true,
      },
      ['BobSmith']
    );
    expect((await as(c, 'DOMAIN\\bob smith@example.org')).json.user).toEqual({name: 'BobSmith'});
    expect(
      transformGivenName('DOMAIN\\bob smith@example.org', {
        strip_maildomain: true,
        strip_windomain: true,
        titlecase: true,
        remove_blanks: false,
      })
    ).toBe('Bob Smith');
    expect((await as(c, 'alice@example.org')).json.user).toEqual({name: 'Alice'});
  });

  it('asks methods in order: a password login still goes to the users file behind it', async () => {
    const c = await start();
    expect(
      (await c.post<View>('/api/login', {name: 'Alice', password: 'alice-pw'})).json.user
    ).toEqual({name: 'Alice'});
    expect(
      (await new HttpClient(c.baseUrl).post('/api/login', {name: 'Alice', password: 'x'})).status
    ).toBe(401);
  });
});
