import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {resolveConfig, type Config} from '../shared/index.js';
import {backendFor} from './backends/index.js';
import {createBus} from './bus/create-bus.js';
import type {SessionBus} from './bus/types.js';
import {answerClientError} from './http/client-error.js';
import {createHttpHandler} from './http/create-http-handler.js';
import {drainingResponse} from './http/draining-response.js';
import {createSessionMiddleware} from './middleware/session-middleware.js';
import {createLogger, type Logger} from './log.js';
import {Metrics} from './metrics.js';
import type {ServiceParts} from './service-parts.js';
import {SessionBuckets} from './sync/session-buckets.js';
import {timeStoreCalls} from './store-timing.js';
import {DeferredTouches} from './session/deferred-touches.js';
import {SessionEngine} from './session/session-engine.js';
import {createStore} from './store/create-store.js';
import type {SessionStore} from './store/types.js';
import {createSyncHub, type SyncHub} from './sync/sync-hub.js';
import type {UserDirectory} from './users/types.js';
import {AuthChain} from './users/auth-chain.js';
import {createAuthChain} from './users/create-auth-chain.js';
import {whenReady} from './users/when-ready.js';

/** In-flight requests get this long to finish when the service closes. */
const DRAIN_TIMEOUT_MS = 10_000;

/** Collaborators that may be injected (tests, embedding); each has a default built from the config. */
export interface ServiceOptions {
  store?: SessionStore;
  bus?: SessionBus;
  users?: UserDirectory;
  logger?: Logger;
  now?: () => number;
  /** The package root (index.html, dist/client). @default the package this file belongs to */
  root?: string;
}

/** A running or runnable session service. */
export interface SessionService extends ServiceParts {
  /** The HTTP API, the demo page and the client bundle: `http.createServer(service.handle)`. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** `GET /api/sync`: hand an HTTP `upgrade` event here. */
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** `req.session` for node:http and Connect/Express (docs/http.md). */
  middleware(): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  readonly sync: SyncHub;
  /**
   * Starts an HTTP server with the API and the WebSocket; resolves with its URL. The server answers
   * requests Node's parser refuses with the API's JSON error, and `close()` drains it.
   */
  listen(port?: number, host?: string): Promise<{url: string; server: Server}>;
  /** Stops accepting, finishes in-flight writes, closes sockets with 1001, releases the store. */
  close(): Promise<void>;
}

/**
 * Builds the service from a config object (validated here, once: unknown keys and wrong types throw
 * a ConfigError naming the key). Synchronous, so `app.use(createSessionService(cfg).middleware())`
 * works.
 */
export function createSessionService(
  config: unknown,
  options: ServiceOptions = {}
): SessionService {
  const resolved: Config = resolveConfig(config);
  const logger = options.logger ?? createLogger(resolved.log_level);
  const metrics = new Metrics();
  const store =
    options.store ??
    createStore(resolved, {
      ...(options.now ? {now: options.now} : {}),
      onError: (error) =>
        logger.error(
          {event: 'store_error', error: error instanceof Error ? error.message : String(error)},
          'session store failure'
        ),
      onCommit: (info) =>
        metrics.storeCommits.observe(
          {outcome: info.error === undefined ? 'ok' : 'failed'},
          info.durationMs / 1000
        ),
    });
  // A redis:// store fans out over Redis pub/sub on the same URL, so instances see each other.
  const bus =
    options.bus ??
    createBus(resolved, (event, fields) => logger.warn({event, ...fields}, event), store);
  const users =
    options.users ??
    createAuthChain(resolved, {
      onWarning: (message) => logger.warn({event: 'user_dir_warning'}, message),
    });
  if (users instanceof AuthChain) {
    // The wiki changed a password, disabled or removed an account: end that user's sessions, as
    // `users passwd/disable/remove` do, with the same end records (issues 13, 10).
    users.onCredentialsChanged((user, change, method) => {
      void store.revokeUser(user, change, (options.now ?? Date.now)()).then(
        async (keys) => {
          if (!store.announcesRemovals) for (const k of keys) await bus.publish(k);
          logger.info(
            {event: 'credentials_changed', user, method, change, ended: keys.length},
            'credentials_changed'
          );
        },
        (err: Error) =>
          logger.warn({event: 'revoke_failed', user, method, err: err.message}, 'revoke_failed')
      );
    });
  }
  timeStoreCalls(store, metrics.storeLatency);
  const root = options.root ?? fileURLToPath(new URL('../..', import.meta.url));
  const engine = new SessionEngine({
    config: resolved,
    store,
    users,
    bus,
    ...(options.now ? {now: options.now} : {}),
    log: (event, fields) => logger.info({event, ...fields}, event),
    touches: new DeferredTouches(store, {
      ...(options.now ? {now: options.now} : {}),
      onError: (err) =>
        logger.warn({event: 'touch_failed', err: (err as Error).message}, 'touch_failed'),
    }),
  });
  const visitBuckets = new SessionBuckets(resolved.visit_rate, resolved.visit_burst);
  const throttleCounter = backendFor(resolved.store).openThrottle(resolved, {
    maxFailures: resolved.login_max_failures,
    windowMs: resolved.login_window_seconds * 1000,
    ...(options.now ? {now: options.now} : {}),
  });
  const parts: ServiceParts = {
    config: resolved,
    engine,
    store,
    bus,
    users,
    logger,
    metrics,
    root,
    visitBuckets,
    throttleCounter,
  };
  // issue 13: a wiki's user directory builds its index after this returns. Nothing is served
  // before it is built: a session of a user not indexed yet must never read as a user gone.
  const usersReady = users.ready?.();
  const handle = whenReady(usersReady, createHttpHandler(parts));
  const sync = createSyncHub(parts);
  const upgrade = whenReady(usersReady, (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    sync.handleUpgrade(req, socket, head)
  );
  let server: Server | null = null;
  const drain = {draining: false};

  return {
    ...parts,
    handle,
    handleUpgrade: upgrade,
    sync,
    middleware() {
      return whenReady(usersReady, createSessionMiddleware(parts));
    },
    async listen(port = resolved.port, host = resolved.host) {
      await usersReady;
      return new Promise((resolve, reject) => {
        // Once close() starts, responses still to be written tell their clients not to reuse
        // the connection (a keep-alive connection would otherwise outlive the drain).
        const s = createServer({ServerResponse: drainingResponse(drain)}, handle);
        s.on('upgrade', upgrade);
        s.on('clientError', answerClientError);
        s.once('error', reject);
        s.listen(port, host, () => {
          server = s;
          const addr = s.address();
          const p = typeof addr === 'object' && addr ? addr.port : port;
          const h = host.includes(':') ? `[${host}]` : host;
          resolve({url: `http://${h}:${p}`, server: s});
        });
      });
    },
    async close() {
      let stopped: Promise<void> = Promise.resolve();
      if (server) {
        const s = server;
        server = null;
        // close() only closes connections idle at that moment; a keep-alive connection whose
        // request is still in flight goes idle later. Keep sweeping idle ones, ask clients not to
        // reuse connections, and cut whatever is left after DRAIN_TIMEOUT_MS.
        drain.draining = true;
        const sweep = setInterval(() => s.closeIdleConnections(), 50);
        const force = setTimeout(() => s.closeAllConnections(), DRAIN_TIMEOUT_MS);
        sweep.unref();
        force.unref();
        stopped = new Promise<void>((resolve) => {
          s.close(() => {
            clearInterval(sweep);
            clearTimeout(force);
            resolve();
          });
          s.closeIdleConnections();
        });
      }
      // Upgraded sockets count as open connections: server.close() resolves only once the hub has
      // closed them, so stop accepting first, then close the sockets, then wait for both.
      await sync.close();
      await stopped;
      users.close();
      await engine.close();
      await bus.close();
      await throttleCounter.close();
      await store.close();
    },
  };
}
