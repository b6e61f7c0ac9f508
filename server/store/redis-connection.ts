import {Redis, type RedisOptions} from 'ioredis';
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

/**
 * Opens an ioredis connection to a store URL (one Redis, or the master a set of Sentinels names:
 * see redis-url.ts) that fails closed: no offline queue (a command while disconnected rejects at
 * once instead of waiting for a reconnect), no per-request retries, a command timeout, and
 * reconnects forever in the background so the service recovers by itself. Through Sentinel every
 * reconnect asks the Sentinels for the current master, so a failover is followed by itself.
 */
export function openRedis(url: string, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
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
  const target = parseRedisUrl(url);
  const client =
    target.mode === 'sentinel'
      ? new Redis({...sentinelOptions(target), ...common})
      : new Redis(url, common);
  // Without a listener ioredis prints every failed reconnect; callers see failures as
  // store_unavailable, and the bus logs outages once.
  client.on('error', () => {});
  return client;
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
export async function whenReady(client: Redis, everReady: () => boolean): Promise<void> {
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
const startupWaits = new WeakMap<Redis, Promise<void>>();

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
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      // fall through: drop the socket
    }
  }
  client.disconnect();
}
