import {randomBytes} from 'node:crypto';
import {Cluster, type Redis} from 'ioredis';
import {
  closeRedis,
  openClusterSubscriber,
  openRedis,
  whenReady,
  type RedisClient,
} from '../store/redis-connection.js';
import {parseRedisUrl} from '../store/redis-url.js';
import type {BusListener, SessionBus} from './types.js';

/** How often the subscriber connection is pinged to find a Redis that hangs. */
export const REDIS_BUS_HEARTBEAT_MS = 5_000;

/** The message that asks every instance to resync all its sockets (a publish was lost). */
export const RESYNC_MESSAGE = '*';

/** Options of {@link RedisBus}. */
export interface RedisBusOptions {
  /** Prefix of the channel (`<prefix>changes`); the same as the store's. @default "moin:" */
  prefix?: string;
  /** Connection state changes (`redis_down`, `redis_up`, `bus_publish_failed`), for the log. */
  log?: (event: string, fields: Record<string, unknown>) => void;
  /**
   * Resolves when a resync can read what it needs (e.g. `() => store.ping()`). After a reconnect
   * the resync waits for it (retried with back-off), so the fresh views are not lost to a store
   * connection that is a moment slower to come back than the subscriber.
   */
  probe?: () => Promise<unknown>;
}

/**
 * The fan-out bus over Redis pub/sub: one channel, `<prefix>changes`, carrying changed session keys
 * (never one channel per session: every instance needs every key anyway, and thousands of channels
 * cost Redis far more). Messages are `<instance> <key>`; an instance delivers its own changes to
 * its listeners at once and skips them when they come back, so its own sockets never wait for
 * Redis. Bare `<key>` messages come from store scripts (revocations and purges, also by the CLI).
 *
 * Pub/sub is fire-and-forget: a message published while a subscriber is disconnected is lost. So
 * after the subscriber connection comes back (and on the first ready after a failed start) it
 * subscribes again and then calls the onResync listeners, which send every socket a fresh full
 * view. A publish that fails is repaired the same way: once the publisher is back it sends
 * {@link RESYNC_MESSAGE} and every instance resyncs.
 *
 * On Redis Cluster the channel is a classic one, not a sharded one (SPUBLISH/SSUBSCRIBE): a
 * cluster forwards a classic PUBLISH to every node, so the subscriber is one plain connection to
 * any node (moving to another one when its node fails) and the store's scripts publish from
 * whichever node runs them. Sharded channels would save that forwarding only if instances needed
 * only some keys; every instance needs every key (its sockets may belong to any session), so it
 * would have to subscribe on every shard and follow each through failovers and resharding, where
 * a subscription the cluster drops is lost silently.
 */
export class RedisBus implements SessionBus {
  readonly channel: string;
  readonly instanceId = randomBytes(6).toString('base64url');
  readonly #pub: RedisClient;
  readonly #sub: Redis;
  readonly #listeners = new Set<BusListener>();
  readonly #resyncListeners = new Set<() => void>();
  readonly #log: (event: string, fields: Record<string, unknown>) => void;
  readonly #probe: () => Promise<unknown>;
  readonly #readyWaiters: (() => void)[] = [];
  readonly #heartbeat: NodeJS.Timeout;
  #subscribedOnce = false;
  #subscriberDown = false;
  #publishLost = false;
  #pubEverReady = false;
  #closed = false;

  constructor(url: string, options: RedisBusOptions = {}) {
    this.channel = `${options.prefix ?? 'moin:'}changes`;
    this.#log = options.log ?? (() => {});
    this.#probe = options.probe ?? (async () => {});
    this.#pub = openRedis(url);
    // The subscriber resubscribes itself (below) so that the resync runs only after SUBSCRIBE is
    // confirmed: a change made between the two is then either in the resync or in a message.
    this.#sub = openSubscriber(url, this.#pub, {autoResubscribe: false});
    this.#sub.on('ready', () => void this.#onSubscriberReady());
    this.#sub.on('close', () => this.#onSubscriberClose());
    this.#sub.on('message', (channel: string, message: string) =>
      this.#onMessage(channel, message)
    );
    this.#pub.on('ready', () => {
      this.#pubEverReady = true;
      void this.#repairLostPublish();
    });
    // A subscriber only reads, so it would not notice a Redis that hangs without closing the
    // socket; a ping that times out forces a reconnect, and with it a resync.
    this.#heartbeat = setInterval(() => void this.#checkSubscriber(), REDIS_BUS_HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Resolves once the subscriber is subscribed (tests; start-up checks). */
  async ready(): Promise<void> {
    if (this.#subscribedOnce && !this.#subscriberDown) return;
    await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
  }

  async publish(key: string, rev?: number): Promise<void> {
    this.#deliver(key, rev);
    try {
      // A short-lived publisher (the CLI) may publish before its first connection is up.
      await whenReady(this.#pub, () => this.#pubEverReady);
      await this.#pub.publish(this.channel, `${this.instanceId} ${key}`);
    } catch (err) {
      // The change is stored; only the fan-out failed. Other instances are repaired by a resync
      // (see #repairLostPublish), so the request that made the change does not fail.
      this.#publishLost = true;
      this.#log('bus_publish_failed', {error: (err as Error).message});
    }
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#listeners.clear();
    this.#resyncListeners.clear();
    await Promise.all([closeRedis(this.#pub), closeRedis(this.#sub)]);
  }

  async #onSubscriberReady(): Promise<void> {
    try {
      await this.#sub.subscribe(this.channel);
    } catch {
      // The connection dropped again before SUBSCRIBE was confirmed; the next ready retries.
      return;
    }
    const recovered = this.#subscribedOnce || this.#subscriberDown;
    this.#subscribedOnce = true;
    if (this.#subscriberDown) this.#log('redis_up', {channel: this.channel});
    this.#subscriberDown = false;
    for (const w of this.#readyWaiters.splice(0)) w();
    if (recovered && (await this.#probed())) this.#resync();
  }

  /** Waits until the probe passes; false when the subscriber dropped again meanwhile. */
  async #probed(): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closed || this.#subscriberDown) return false;
      try {
        await this.#probe();
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1_000)));
      }
    }
  }

  async #checkSubscriber(): Promise<void> {
    if (this.#sub.status !== 'ready') return;
    try {
      await this.#sub.ping();
    } catch {
      if (!this.#closed) this.#sub.disconnect(true);
    }
  }

  #onSubscriberClose(): void {
    if (this.#closed || this.#subscriberDown) return;
    this.#subscriberDown = true;
    this.#log('redis_down', {channel: this.channel});
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== this.channel) return;
    if (message === RESYNC_MESSAGE) {
      this.#resync();
      return;
    }
    const space = message.indexOf(' ');
    if (space < 0) {
      this.#deliver(message);
      return;
    }
    if (message.slice(0, space) === this.instanceId) return;
    this.#deliver(message.slice(space + 1));
  }

  async #repairLostPublish(): Promise<void> {
    if (!this.#publishLost) return;
    try {
      await this.#pub.publish(this.channel, RESYNC_MESSAGE);
      this.#publishLost = false;
    } catch {
      // Still down; the next ready tries again.
    }
  }

  #deliver(key: string, rev?: number): void {
    for (const l of this.#listeners) {
      try {
        l(key, rev);
      } catch (err) {
        this.#log('bus_listener_failed', {error: (err as Error).message});
      }
    }
  }

  #resync(): void {
    for (const l of this.#resyncListeners) {
      try {
        l();
      } catch (err) {
        this.#log('bus_listener_failed', {error: (err as Error).message});
      }
    }
  }
}

/**
 * The subscriber connection: on a cluster a plain connection that tries the seed nodes and then
 * every node the publisher's cluster client knows; else one more connection like the publisher.
 */
function openSubscriber(url: string, pub: RedisClient, extra: {autoResubscribe: boolean}): Redis {
  if (!(pub instanceof Cluster)) return openRedis(url, extra) as Redis;
  const seeds = parseRedisUrl(url).nodes;
  const known = () => pub.nodes('all').map((n) => ({host: n.options.host!, port: n.options.port!}));
  return openClusterSubscriber(url, () => [...seeds, ...known()], extra);
}
