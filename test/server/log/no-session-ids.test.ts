import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ServerMessage, SessionView} from '../../../shared/index.js';
import {createLogger} from '../../../server/log.js';
import {createSessionService, type SessionService} from '../../../server/service.js';
import {sessionKey} from '../../../server/session/ids.js';
import {HttpClient, parseSetCookie, type HttpResponse} from '../../support/http-client.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {Visitor} from '../../support/fault-harness.js';
import {LogCapture} from '../../support/log-capture.js';

const BIN = fileURLToPath(new URL('../../../bin/moin-session.js', import.meta.url));

describe('logs at trace level over a whole session lifecycle', () => {
  const logs = new LogCapture();
  // Every cookie value the server handed out: stored ids and pending tokens.
  const issued = new Set<string>();
  let dir: TempDir;
  let service: SessionService;
  let url: string;

  const remember = <T>(r: HttpResponse<T>): HttpResponse<T> => {
    for (const sc of r.setCookies) {
      const c = parseSetCookie(sc);
      if (c.value !== '') issued.add(c.value);
    }
    return r;
  };

  beforeAll(async () => {
    dir = await makeTempDir('moin-log-ids-');
    const config = {
      store: `sqlite:${dir.file('sessions.db')}`,
      users_file: dir.file('users.json'),
      // Anonymous sessions are stored too, so pending tokens and anonymous ids are issued.
      cookie_lifetime: [1, 12],
      superuser: ['Admin'],
      log_level: 'trace',
    };
    writeFileSync(dir.file('config.json'), JSON.stringify(config));
    const users = new MemoryUsers({
      Admin: {password: 'admin-pw'},
      Alice: {password: 'alice-pw'},
      Bob: {password: 'bob-pw'},
    });
    service = createSessionService(config, {
      users,
      logger: createLogger('trace', {destination: logs}),
    });
    ({url} = await service.listen(0, '127.0.0.1'));

    // Anonymous: a pending token, then a stored anonymous session with a visit.
    const alice = new HttpClient(url);
    remember(await alice.get('/api/session'));
    remember(await alice.get('/api/session'));
    remember(await alice.post('/api/trail', {page: 'AnonPage'}));
    // A failed and a good login (the id rotates), visits over HTTP and over the socket.
    remember(await alice.post('/api/login', {name: 'Alice', password: 'wrong'}));
    remember(await alice.post('/api/login', {name: 'Alice', password: 'alice-pw'}));
    remember(await alice.post('/api/trail', {page: 'HttpPage'}));
    const socket = new Visitor('a', 3);
    await socket.connect(url, alice.cookieHeader());
    socket.stream();
    await socket.allAcked();
    socket.send(JSON.stringify({type: 'ping'}));
    socket.send('{not json');
    // Change user and back, again, then logout while switched.
    const admin = new HttpClient(url);
    remember(await admin.post('/api/login', {name: 'Admin', password: 'admin-pw'}));
    const adminSocket = new Visitor('b', 1);
    await adminSocket.connect(url, admin.cookieHeader());
    remember(await admin.post('/api/su', {name: 'Bob'}));
    remember(await admin.delete('/api/su'));
    remember(await admin.post('/api/su', {name: 'Bob'}));
    remember(await admin.post('/api/logout'));
    // Revocation from the CLI on the same file while Alice's socket is open.
    const revoke = spawnSync(
      process.execPath,
      [BIN, 'sessions', 'revoke', '--user', 'Alice', '--config', dir.file('config.json')],
      {encoding: 'utf8'}
    );
    expect(revoke.status, revoke.stderr).toBe(0);
    const deadline = Date.now() + 5000;
    const gone = (m: ServerMessage) => m.type === 'session' && !m.session.stored;
    while (!socket.messages.some(gone) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(socket.messages.some(gone)).toBe(true);
    remember(await alice.get<SessionView>('/api/session'));
    socket.close();
    adminSocket.close();
    await service.close();
  });
  afterAll(async () => {
    await dir?.cleanup();
  });

  it('holds no session id or pending token that any Set-Cookie carried', () => {
    // A pending token, an anonymous id, two logins and the pending token after revocation.
    expect(issued.size).toBeGreaterThanOrEqual(5);
    const text = logs.text();
    for (const value of issued) expect(text).not.toContain(value);
  });

  it('holds no full store key either, only short refs', () => {
    const text = logs.text();
    for (const value of issued) expect(text).not.toContain(sessionKey(value));
  });

  it('logs the lifecycle events, each with a session ref where a session is involved', () => {
    const records = logs.records();
    const events = new Set(records.map((r) => r['event']));
    for (const e of ['session_start', 'login', 'session_end', 'audit', 'ws_open', 'ws_close']) {
      expect(events, `event ${e}`).toContain(e);
    }
    const actions = records.filter((r) => r['event'] === 'audit').map((r) => r['action']);
    expect(actions).toEqual(['su_start', 'su_return', 'su_start', 'su_end_logout']);
    for (const r of records) {
      if (typeof r['session'] === 'string') expect(r['session']).toMatch(/^[A-Za-z0-9_-]{12}$/);
    }
    // Logged at trace level: debug records such as the failed login are there too.
    expect(records.some((r) => r['event'] === 'login_failed')).toBe(true);
  });
});
