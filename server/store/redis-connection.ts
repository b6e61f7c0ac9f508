import {Redis, type RedisOptions} from 'ioredis';
import {MoinError, isMoinError} from '../../shared/index.js';

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
 * Opens an ioredis connection that fails closed: no offline queue (a command while disconnected
 * rejects at once instead of waiting for a reconnect), no per-request retries, a command timeout,
 * and reconnects forever in the background so the service recovers by itself.
 */
export function openRedis(url: string, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, {
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
  });
  // Without a listener ioredis prints every failed reconnect; callers see failures as
  // store_unavailable, and the bus logs outages once.
  client.on('error', () => {});
  return client;
}

/**
 * Resolves when the connection can take commands. Before the first ready it waits (start-up races
 * the first request); afterwards a connection that is down rejects at once with store_unavailable.
 */
export async function whenReady(client: Redis, everReady: () => boolean): Promise<void> {
  if (client.status === 'ready') return;
  const starting = ['wait', 'connecting', 'connect'].includes(client.status);
  if (!starting || everReady()) throw unavailable();
  if (client.status === 'wait') client.connect().catch(() => {});
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(unavailable());
    }, REDIS_STARTUP_WAIT_MS);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

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

/** Closes a connection politely when it is up, at once when it is not. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: drop the socket
    }
  }
  client.disconnect();
}
