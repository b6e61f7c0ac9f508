import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {createSessionService, type SessionService} from '../../server/index.js';
import {FileUserDirectory} from '../../server/users/file-user-directory.js';
import type {TempDir} from './temp-dir.js';

/** The users every end-to-end test logs in as (Admin may change user). */
export const E2E_USERS = {Admin: 'admin-pw', Alice: 'alice-pw', Bob: 'bob-pw'} as const;

/** Writes the users file once per temp dir. */
export async function seedUsers(dir: TempDir): Promise<void> {
  const users = new FileUserDirectory(dir.file('users.json'));
  for (const [name, password] of Object.entries(E2E_USERS)) await users.add(name, password);
  users.close();
}

/** The real session service, in this process, on a loopback port. */
export interface E2eApi {
  service: SessionService;
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts createSessionService on a SQLite file in `dir` (port 0, or `port` to come back on the
 * same address after a stop), allowing the host page's origin.
 */
export async function startApi(dir: TempDir, allowedOrigin: string, port = 0): Promise<E2eApi> {
  const service = createSessionService(
    {
      store: `sqlite:${dir.file('sessions.db')}`,
      users_file: dir.file('users.json'),
      superuser: ['Admin'],
      allowed_origins: [allowedOrigin],
      cookie_lifetime: [1, 12],
      log_level: 'silent',
    },
    {root: process.cwd()}
  );
  const {url, server} = await service.listen(port, '127.0.0.1');
  return {
    service,
    url,
    port: (server.address() as AddressInfo).port,
    stop: () => service.close(),
  };
}

/**
 * What a broken session service does on the API's address: `garbage` answers every request and
 * upgrade with junk, `hangup` closes every connection at once, `refuse` answers `GET /api/session`
 * with `view` (so the page keeps its identity) and refuses the WebSocket upgrade with 403.
 */
export type Breakage = 'garbage' | 'hangup' | 'refuse';

export async function startBrokenApi(
  port: number,
  breakage: Breakage,
  view: unknown,
  hostOrigin: string
): Promise<{stop(): Promise<void>}> {
  const server: Server = createServer((req, res) => {
    if (breakage === 'garbage') {
      res.writeHead(200, {'content-type': 'text/plain'});
      res.end('\u0000garbage{{{');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'access-control-allow-origin': hostOrigin,
      'access-control-allow-credentials': 'true',
    });
    res.end(JSON.stringify(view));
  });
  server.on('connection', (socket) => {
    if (breakage === 'hangup') socket.destroy();
  });
  server.on('upgrade', (_req, socket) => {
    socket.end(
      breakage === 'garbage'
        ? 'HTTP/1.1 101 Switching Protocols\r\n\r\n\u0000\u00ffjunk'
        : 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
