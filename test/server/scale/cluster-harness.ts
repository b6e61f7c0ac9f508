// Several moin-session instances (createSessionService, each listening on port 0) on one spawned
// redis-server, as behind a load balancer: tests talk to each instance directly. Not a test file.
import type {SessionView} from '../../../shared/index.js';
import {createSessionService, type SessionService} from '../../../server/index.js';
import {HttpClient} from '../../support/http-client.js';
import {MemoryUsers} from '../../support/memory-users.js';
import {
  startRedisServer,
  type RedisServer,
  type RedisServerOptions,
} from '../../support/redis-server.js';
import {SyncClient} from '../sync/sync-harness.js';

/** The users every instance knows (as a shared users file would give them): Admin is a superuser. */
export const USERS = {
  Admin: {password: 'admin-pw'},
  Alice: {password: 'alice-pw'},
  Bob: {password: 'bob-pw'},
};

/** One running instance. */
export interface Instance {
  service: SessionService;
  url: string;
  /** An HTTP client for this instance, with the given Cookie header (or its own jar). */
  http(cookie?: string): HttpClient;
  /** Opens a WebSocket on this instance with a Cookie header; waits for the first view. */
  socket(cookie: string | null): Promise<SyncClient>;
}

/** Instances on one Redis. */
export interface Cluster {
  redis: RedisServer;
  instances: Instance[];
  /** Logs a user in over HTTP on instance `on`; returns the Cookie header value. */
  login(name: keyof typeof USERS, on?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts redis-server and `count` instances on it with the same config (a `redis://` store, so each
 * gets the Redis bus by default, exactly as in production).
 */
export async function startCluster(
  count: number,
  config: Record<string, unknown> = {},
  redisOptions: RedisServerOptions = {}
): Promise<Cluster> {
  const redis = await startRedisServer(redisOptions);
  const instances: Instance[] = [];
  const sockets: SyncClient[] = [];
  for (let i = 0; i < count; i++) {
    const service = createSessionService(
      {
        store: redis.url,
        log_level: 'silent',
        superuser: ['Admin'],
        cookie_lifetime: [0, 12],
        ...config,
      },
      {users: new MemoryUsers(USERS)}
    );
    const {url} = await service.listen(0, '127.0.0.1');
    const wsUrl = url.replace(/^http/, 'ws') + '/api/sync';
    instances.push({
      service,
      url,
      http(cookie) {
        const c = new HttpClient(url);
        if (cookie) {
          const [name = '', value = ''] = cookie.split('=');
          c.cookies.set(name, value);
        }
        return c;
      },
      async socket(cookie) {
        const s = await SyncClient.open(wsUrl, {
          origin: url,
          ...(cookie ? {headers: {cookie}} : {}),
        });
        sockets.push(s);
        await s.view();
        return s;
      },
    });
  }
  return {
    redis,
    instances,
    async login(name, on = 0) {
      const c = instances[on]!.http();
      const r = await c.post('/api/login', {name, password: USERS[name].password});
      if (r.status !== 200) throw new Error(`login answered ${r.status}: ${r.text}`);
      return c.cookieHeader();
    },
    async close() {
      for (const s of sockets) s.ws.terminate();
      await Promise.all(instances.map((i) => i.service.close()));
      await redis.stop();
    },
  };
}

/** A view pushed to a socket after `after` messages (so earlier views do not count). */
export function nextView(
  socket: SyncClient,
  pred: (v: SessionView) => boolean,
  ms = 5_000
): Promise<SessionView> {
  const from = socket.messages.length;
  return socket
    .waitFor(
      (m) => socket.messages.indexOf(m) >= from && m.type === 'session' && pred(m.session),
      ms
    )
    .then((m) => (m as Extract<typeof m, {type: 'session'}>).session);
}
