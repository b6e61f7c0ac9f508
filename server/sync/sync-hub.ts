import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocketServer, type RawData, type ServerOptions, type WebSocket} from 'ws';
import {
  CLOSE_CODES,
  ERROR_CODES,
  MAX_FRAME_BYTES,
  isMoinError,
  parseClientMessage,
  type ErrorCode,
  type ServerMessage,
  type VisitMessage,
} from '../../shared/index.js';
import {requestInfo} from '../http/request-info.js';
import {LogSampler, REFUSAL_LOG_MS} from '../log-sampler.js';
import type {ServiceParts} from '../service-parts.js';
import type {RequestInfo, SessionContext} from '../session/session-engine.js';
import {sessionRef} from '../session/ids.js';
import type {SessionRecord} from '../store/types.js';
import {ANONYMOUS_FRAME, PONG_FRAME, frame, sessionFrame} from './frames.js';
import {
  CLOSE_TIMEOUT_MS,
  HARD_BUFFER_BYTES,
  SHUTDOWN_GRACE_MS,
  SOFT_BUFFER_BYTES,
  SYNC_PATH,
} from './limits.js';
import {defaultSocketCap, descriptorLimit} from './descriptor-limit.js';
import {SessionFanOut} from './session-fan-out.js';
import {SocketBudget, type BudgetRefusal} from './socket-budget.js';
import type {SessionRoom} from './session-room.js';
import {SpreadSweep} from './spread-sweep.js';
import {SyncConnection, type BufferLimits} from './sync-connection.js';
import {TokenBucket} from './token-bucket.js';
import {originAllowed, refuseUpgrade, upgradePath} from './upgrade-request.js';

/** The WebSocket side of the service (`GET /api/sync`, docs/sync.md). */
export interface SyncHub {
  /** Hand an HTTP server's `upgrade` event here. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every socket with 1001 and stops timers. */
  close(): Promise<void>;
  /** Open sockets. */
  readonly socketCount: number;
  /** Bytes waiting to be sent over all sockets (coalesced views included): bounded by design. */
  readonly bufferedBytes: number;
}

/** Tuning for tests and embedders; every field has a default. */
export interface SyncHubOptions {
  /** Unsent bytes above which pushes coalesce to the latest view. @default 65536 */
  softBufferBytes?: number;
  /** Unsent bytes above which a socket is closed with 1013. @default 1048576 */
  hardBufferBytes?: number;
}

/**
 * Builds the hub: authenticates upgrades (path, exact Origin, session cookie, socket cap) before
 * any WebSocket exists, answers visits through the session engine, and pushes a fresh view to every
 * socket of a session whenever the bus, the store or the clock says it changed.
 */
export function createSyncHub(parts: ServiceParts, options: SyncHubOptions = {}): SyncHub {
  return new Hub(parts, {
    soft: options.softBufferBytes ?? SOFT_BUFFER_BYTES,
    hard: options.hardBufferBytes ?? HARD_BUFFER_BYTES,
  });
}

class Hub implements SyncHub {
  readonly #parts: ServiceParts;
  readonly #limits: BufferLimits;
  readonly #wss: WebSocketServer;
  readonly #conns = new Set<SyncConnection>();
  readonly #fanOut: SessionFanOut;
  readonly #unsubscribe: (() => void)[];
  readonly #heartbeat: SpreadSweep<SyncConnection>;
  readonly #revalidation: SpreadSweep<SessionRoom>;
  readonly #count: {
    in: Record<'visit' | 'ping' | 'bad', {inc(n?: number): void}>;
    out: Record<ServerMessage['type'], {inc(n?: number): void}>;
  };
  #closing = false;
  #allClosed: (() => void) | null = null;
  readonly #budget: SocketBudget;
  readonly #refusals: Record<BudgetRefusal, LogSampler> = {
    address_sockets_full: new LogSampler(REFUSAL_LOG_MS),
    sockets_full: new LogSampler(REFUSAL_LOG_MS),
  };

  constructor(parts: ServiceParts, limits: BufferLimits) {
    this.#parts = parts;
    this.#limits = limits;
    const total = parts.config.max_sockets || defaultSocketCap(descriptorLimit());
    this.#budget = new SocketBudget(parts.config.max_sockets_per_address, total);
    const wsOptions: ServerOptions & {closeTimeout: number} = {
      noServer: true,
      // Compression off: CRIME-style leaks and zlib memory fragmentation (ws README), and views are small.
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      clientTracking: false,
      closeTimeout: CLOSE_TIMEOUT_MS,
    };
    this.#wss = new WebSocketServer(wsOptions);
    const m = parts.metrics.messages;
    this.#count = {
      in: {
        visit: m.labels('in', 'visit'),
        ping: m.labels('in', 'ping'),
        bad: m.labels('in', 'bad'),
      },
      out: {
        session: m.labels('out', 'session'),
        ack: m.labels('out', 'ack'),
        error: m.labels('out', 'error'),
        pong: m.labels('out', 'pong'),
      },
    };
    this.#fanOut = new SessionFanOut(parts, {
      countPushes: (n) => this.#count.out.session.inc(n),
      background: (p) => this.#background(p),
    });
    const fan = this.#fanOut;
    this.#unsubscribe = [
      parts.bus.subscribe((key, rev) => fan.changed(key, rev)),
      parts.bus.onResync(() => this.#resync()),
      parts.store.onExternalChange((keys) => {
        if (keys) for (const key of keys) fan.changed(key);
        else fan.changedAll();
      }),
    ];
    // Spread over the interval: each socket and each room once per interval, a slice at a time.
    const intervalMs = parts.config.ping_interval_seconds * 1000;
    this.#heartbeat = new SpreadSweep(
      intervalMs,
      () => this.#conns,
      (c) => c.tick()
    );
    this.#revalidation = new SpreadSweep(
      intervalMs,
      () => fan.rooms(),
      (r) => fan.revalidate(r)
    );
  }

  get socketCount(): number {
    return this.#conns.size;
  }

  get bufferedBytes(): number {
    let n = 0;
    for (const c of this.#conns) n += c.buffered;
    return n;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset during the handshake must not become an unhandled 'error' that ends the process.
    socket.on('error', ignore);
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if (upgradePath(req) !== SYNC_PATH) return refuseUpgrade(socket, 'not_found');
    if (!originAllowed(req, this.#parts.config)) return refuseUpgrade(socket, 'bad_origin');
    // issue 10b: a slot per address and in all, held from here until the connection closes
    // (refused or not), so the file descriptors left for HTTP and the store stay free.
    const info = requestInfo(req, this.#parts.config);
    const address = info.address;
    const refusal = this.#budget.take(address);
    if (refusal) {
      this.#logRefusal(refusal, address);
      return refuseUpgrade(socket, refusal);
    }
    socket.once('close', () => this.#budget.give(address));
    this.#background(
      this.#accept(req, info, socket, head).catch((err) => {
        socket.destroy();
        throw err;
      })
    );
  }

  // At most one warning per code every REFUSAL_LOG_MS, with how many were not logged.
  #logRefusal(code: BudgetRefusal, address: string): void {
    const refused = this.#refusals[code].take();
    if (refused === 0) return;
    this.#parts.logger.warn(
      {
        event: 'ws_refused',
        code,
        address,
        refused,
        sockets: this.#budget.held,
        cap: code === 'sockets_full' ? this.#budget.total : this.#budget.perAddress,
      },
      'ws_refused'
    );
  }

  async #accept(
    req: IncomingMessage,
    info: RequestInfo,
    socket: Duplex,
    head: Buffer
  ): Promise<void> {
    const {engine, config, logger} = this.#parts;
    let ctx: SessionContext;
    try {
      // The same strict rules as HTTP: an unknown id is never adopted. A pending token is not
      // turned into a stored session here: the 101 response cannot be relied on to set its cookie.
      ctx = await engine.load(info, {storePending: false});
      if (ctx.record) await engine.touch(ctx);
    } catch (err) {
      logger.warn({event: 'ws_upgrade_failed', err}, 'ws_upgrade_failed');
      return refuseUpgrade(socket, storeErrorCode(err));
    }
    if (this.#closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    const record = ctx.record;
    if (record && this.#fanOut.socketsOf(record.key) >= config.max_sockets_per_session) {
      return refuseUpgrade(socket, 'too_many_sockets');
    }
    // Synchronous from here on (ws calls back at once without verifyClient), so the cap above holds.
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#open(ws, ctx, record));
  }

  #open(ws: WebSocket, ctx: SessionContext, record: SessionRecord | null): void {
    const {config, engine, metrics, logger} = this.#parts;
    // A stored session's sockets share its bucket with POST /api/trail; an unstored one has its own.
    const bucket = record
      ? this.#parts.visitBuckets.for(record.key)
      : new TokenBucket(config.visit_rate, config.visit_burst);
    const conn = new SyncConnection(ws, ctx, bucket, this.#limits, () =>
      this.#count.out.session.inc()
    );
    this.#conns.add(conn);
    metrics.sockets.inc();
    ws.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    ws.on('pong', () => (conn.alive = true));
    ws.on('error', (err) => logger.debug({event: 'ws_error', err: err.message}, 'ws_error'));
    ws.on('close', (code) => this.#onClose(conn, code));
    const room = record ? this.#fanOut.join(conn, record) : null;
    const view = room ? engine.viewOf(room.record) : engine.view(ctx);
    if (conn.push(sessionFrame(view), view.rev)) this.#count.out.session.inc();
    logger.debug(
      {event: 'ws_open', session: room ? sessionRef(room.key) : null, address: ctx.request.address},
      'ws_open'
    );
  }

  #onClose(conn: SyncConnection, code: number): void {
    this.#conns.delete(conn);
    this.#parts.metrics.sockets.dec();
    this.#fanOut.leave(conn);
    this.#parts.logger.debug({event: 'ws_close', code}, 'ws_close');
    if (this.#conns.size === 0) this.#allClosed?.();
  }

  #onMessage(conn: SyncConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.#count.in.bad.inc();
      return this.#error(conn, 'bad_message', 'Binary frames are not accepted; send JSON text.');
    }
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.#count.in.bad.inc();
      if (!conn.bucket.take()) return this.#error(conn, 'rate_limited', undefined, parsed.id);
      return this.#error(conn, parsed.code, parsed.message, parsed.id);
    }
    const msg = parsed.message;
    this.#count.in[msg.type].inc();
    // Every frame takes a token, so a flood of anything is refused alike; a burst of
    // visit_burst lets a reconnecting client flush its queue at once.
    if (!conn.bucket.take()) {
      return this.#error(
        conn,
        'rate_limited',
        undefined,
        msg.type === 'visit' ? msg.id : undefined
      );
    }
    switch (msg.type) {
      case 'ping':
        this.#count.out.pong.inc();
        conn.send(PONG_FRAME);
        this.#background(this.#touch(conn));
        return;
      case 'visit':
        this.#background(this.#visit(conn, msg));
        return;
    }
  }

  async #visit(conn: SyncConnection, msg: VisitMessage): Promise<void> {
    const room = this.#fanOut.roomOf(conn);
    if (!room) return this.#error(conn, 'no_session', undefined, msg.id);
    // A context per visit: visits of one socket overlap in the store's queue (which keeps their
    // order), and one visit's result must not be read as another's.
    const vctx: SessionContext = {...conn.ctx, record: room.record};
    try {
      await this.#parts.engine.visit(vctx, msg.page, msg.id);
    } catch (err) {
      this.#parts.logger.warn({event: 'ws_visit_failed', err}, 'ws_visit_failed');
      return this.#error(conn, storeErrorCode(err), undefined, msg.id);
    }
    if (!vctx.record) {
      // The session ended before the visit reached the store: nothing was applied.
      this.#error(conn, 'no_session', undefined, msg.id);
      this.#fanOut.schedule(room, false);
      return;
    }
    this.#fanOut.adopt(room, vctx.record);
    this.#count.out.ack.inc();
    conn.send(frame({type: 'ack', id: msg.id}));
    this.#background(this.#touch(conn));
  }

  /**
   * Runs a handler's promise in the background. Handlers catch the store's failures themselves;
   * this only keeps a bug from becoming an unhandled rejection that ends the process.
   */
  #background(p: Promise<unknown>): void {
    p.catch((err: unknown) =>
      this.#parts.logger.error({event: 'ws_handler_failed', err}, 'ws_handler_failed')
    );
  }

  /** Socket activity slides the session's expiry like an HTTP response, at most once a minute. */
  async #touch(conn: SyncConnection): Promise<void> {
    const {engine, logger} = this.#parts;
    const room = this.#fanOut.roomOf(conn);
    if (!room) return;
    const minute = Math.floor(engine.now() / 60_000);
    if (room.touchedMinute === minute) return;
    room.touchedMinute = minute;
    const tctx: SessionContext = {...conn.ctx, record: room.record};
    try {
      await engine.touch(tctx);
    } catch (err) {
      logger.warn({event: 'ws_touch_failed', err}, 'ws_touch_failed');
      return;
    }
    if (tctx.record) this.#fanOut.adopt(room, tctx.record);
  }

  #error(conn: SyncConnection, code: ErrorCode, message?: string, id?: string): void {
    this.#count.out.error.inc();
    this.#parts.metrics.errors.inc({code});
    const m: ServerMessage = {type: 'error', code, message: message ?? ERROR_CODES[code].message};
    conn.send(frame(id === undefined ? m : {...m, id}));
  }

  /** Messages may have been lost (the cross-process bus reconnected): a full view to everyone. */
  #resync(): void {
    let sent = 0;
    for (const conn of this.#conns) if (conn.key === null && conn.push(ANONYMOUS_FRAME, 0)) sent++;
    if (sent > 0) this.#count.out.session.inc(sent);
    this.#fanOut.resync();
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#heartbeat.stop();
    this.#revalidation.stop();
    for (const u of this.#unsubscribe) u();
    this.#fanOut.close();
    if (this.#conns.size > 0) {
      const closed = new Promise<void>((resolve) => (this.#allClosed = resolve));
      for (const c of this.#conns)
        c.ws.close(CLOSE_CODES.goingAway, 'The server is shutting down.');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS))
      );
      await Promise.race([closed, grace]);
      clearTimeout(timer);
      for (const c of this.#conns) c.ws.terminate();
    }
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

function ignore(): void {}

/** The error code for a failed store call: store_unavailable when the store says so. */
function storeErrorCode(err: unknown): ErrorCode {
  return isMoinError(err) && err.code === 'store_unavailable'
    ? 'store_unavailable'
    : 'internal_error';
}
