import {Cluster, Redis, type ClusterOptions, type RedisOptions} from 'ioredis';
import {MoinError, isMoinError} from '../../shared/index.js';
import {parseRedisUrl, type RedisTarget} from './redis-url.js';

/** A command that gets no reply in this time fails (a hung or paused Redis must not hang requests). */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** A TCP connect that takes longer counts as a failed attempt. */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Commands issued before the very first connection is ready wait this long for it, then fail. */
export const REDIS_STARTUP_WAIT_MS = 3_000;
/** Reconnect attempts back off to at most this delay, and never stop. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1_000;

// Reply errors that mean "Redis is there but cannot serve now" (still loading the AOF after a
// restart, out of memory, a replica, a failed disk save): the same as unreachable for our callers.
const TRANSIENT_REPLY =
  /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

/** A connection to a store: one Redis (maybe found through Sentinels), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A cluster's view of its nodes is refreshed this often (a failover is also learnt on MOVED). */
export const REDIS_CLUSTER_REFRESH_MS = 1_000;

/**
 * Opens an ioredis connection to a store URL (one Redis, the master a set of Sentinels names, or
 * a Redis Cluster: see redis-url.ts) that fails closed: no offline queue (a command while
 * disconnected rejects at once instead of waiting for a reconnect), no per-request retries, a
 * command timeout, and reconnects forever in the background so the service recovers by itself.
 * Through Sentinel every reconnect asks the Sentinels for the current master, so a failover is
 * followed by itself; a cluster follows MOVED/ASK and refreshes its slot map (see clusterOptions).
 */
export function openRedis(url: string, extra: RedisOptions = {}): RedisClient {
  const common = failClosedOptions(extra);
  const target = parseRedisUrl(url);
  const client =
    target.mode === 'cluster'
      ? new Cluster(target.nodes, clusterOptions(target, common))
      : target.mode === 'sentinel'
        ? new Redis({...sentinelOptions(target), ...common})
        : new Redis(url, common);
  // Without a listener ioredis prints every failed reconnect; callers see failures as
  // store_unavailable, and the bus logs outages once.
  client.on('error', () => {});
  return client;
}

/**
 * A plain connection to one node of a cluster at a time, for classic pub/sub (which every node
 * serves: a PUBLISH reaches all of them). Each reconnect goes to the next node of the list
 * `nodes()` gives then (the seeds, then the nodes the cluster client knows), so the subscriber
 * leaves a node that died and comes back on whichever node answers.
 */
export function openClusterSubscriber(
  url: string,
  nodes: () => {host: string; port: number}[],
  extra: RedisOptions = {}
): Redis {
  const target = parseRedisUrl(url);
  const common = failClosedOptions(extra);
  let turn = 0;
  const client: Redis = new Redis({
    ...common,
    ...target.nodes[0],
    ...auth(target),
    retryStrategy: (times) => {
      const list = nodes();
      const next = list[turn++ % list.length]!;
      // ioredis reads host and port from the client's options at every connect.
      client.options.host = next.host;
      client.options.port = next.port;
      return Math.min(50 * times, 500);
    },
  });
  client.on('error', () => {});
  return client;
}

/** The username, password and TLS of a target's data nodes. */
function auth(target: RedisTarget): RedisOptions {
  return {
    ...(target.username !== undefined ? {username: target.username} : {}),
    ...(target.password !== undefined ? {password: target.password} : {}),
    ...(target.tls ? {tls: {}} : {}),
  };
}

/**
 * Cluster options: commands to a slot whose master is gone are retried briefly while the cluster
 * moves it (then fail with store_unavailable); MOVED and ASK are followed by ioredis; the cluster
 * reconnects forever.
 */
function clusterOptions(target: RedisTarget, common: RedisOptions): ClusterOptions {
  return {
    enableOfflineQueue: false,
    // Connection lost to a slot's master: wait 100 ms, refresh the slots, try again, at most
    // maxRedirections times (about 1.6 s): the command timeout of one Redis.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: REDIS_CONNECT_TIMEOUT_MS,
    slotsRefreshInterval: REDIS_CLUSTER_REFRESH_MS,
    clusterRetryStrategy: (times) =>
      Math.min(50 * 2 ** Math.min(times, 5), REDIS_MAX_RECONNECT_DELAY_MS),
    redisOptions: {...common, ...auth(target)},
  };
}

/** The options that make a connection fail closed (see openRedis). */
function failClosedOptions(extra: RedisOptions): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    // A connection dropped on purpose (a failed heartbeat) to a peer that does not answer its FIN
    // is destroyed after this, so the reconnect does not wait for TCP.
    disconnectTimeout: 500,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), REDIS_MAX_RECONNECT_DELAY_MS),
    // Resending commands after a reconnect could apply a write twice; callers retry instead.
    autoResendUnfulfilledCommands: false,
    ...extra,
  };
}

/** ioredis options that find the master through Sentinels and leave it when it is demoted. */
function sentinelOptions(target: RedisTarget): RedisOptions {
  return {
    sentinels: target.nodes,
    name: target.masterName!,
    db: target.db,
    ...(target.username !== undefined ? {username: target.username} : {}),
    ...(target.password !== undefined ? {password: target.password} : {}),
    ...(target.tls ? {tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {}} : {}),
    sentinelCommandTimeout: REDIS_CONNECT_TIMEOUT_MS,
    sentinelRetryStrategy: (times) => Math.min(50 * times, REDIS_MAX_RECONNECT_DELAY_MS),
    // Listen to the Sentinels' +switch-master, so a failover is followed at once, not at the
    // next failed command.
    failoverDetector: true,
    // A master demoted to a replica (an old master back after a failover) answers writes with
    // READONLY: drop that connection and ask the Sentinels again.
    reconnectOnError: (err) => /^READONLY\b/.test(err.message),
  };
}

/**
 * Resolves when the connection can take commands. Before the first ready it waits (start-up races
 * the first request); afterwards a connection that is down rejects at once with store_unavailable.
 * All the commands waiting for one connection share one wait (one 'ready' listener, however many
 * commands arrive before it).
 */
export async function whenReady(client: RedisClient, everReady: () => boolean): Promise<void> {
  if (client.status === 'ready') return;
  const starting = ['wait', 'connecting', 'connect'].includes(client.status);
  if (!starting || everReady()) throw unavailable();
  if (client.status === 'wait') client.connect().catch(() => {});
  let wait = startupWaits.get(client);
  if (!wait) {
    wait = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        startupWaits.delete(client);
        reject(unavailable());
      }, REDIS_STARTUP_WAIT_MS);
      const onReady = () => {
        clearTimeout(timer);
        startupWaits.delete(client);
        resolve();
      };
      client.once('ready', onReady);
    });
    startupWaits.set(client, wait);
  }
  await wait;
}

/** The one pending start-up wait per connection (see whenReady). */
const startupWaits = new WeakMap<RedisClient, Promise<void>>();

/**
 * Maps a failure from ioredis to what callers should see: connection problems, timeouts and
 * transient reply errors become `MoinError('store_unavailable')`; anything else (a bug in a
 * script, a wrong type) is passed on as it is.
 */
export function toStoreError(err: unknown): unknown {
  if (isMoinError(err)) return err;
  const e = err as {name?: string; message?: string};
  if (e?.name === 'ReplyError' && !TRANSIENT_REPLY.test(e.message ?? '')) return err;
  return unavailable();
}

function unavailable(): MoinError {
  return new MoinError('store_unavailable');
}

/**
 * Closes a connection politely when it is up, at once when it is not. `disconnect()` runs in every
 * case: after QUIT it is what closes ioredis's Sentinel failover detector (its own connections to
 * the Sentinels), which QUIT leaves open and which would keep a CLI process from exiting.
 */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      // fall through: drop the socket
    }
  }
  client.disconnect();
}
