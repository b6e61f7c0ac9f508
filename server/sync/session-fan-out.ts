import {MAX_TIMER_MS} from '../../shared/index.js';
import type {ServiceParts} from '../service-parts.js';
import {sessionRef} from '../session/ids.js';
import type {SessionRecord} from '../store/types.js';
import {ANONYMOUS_FRAME, sessionFrame} from './frames.js';
import {SessionRoom} from './session-room.js';
import type {SyncConnection} from './sync-connection.js';

/** What the fan-out needs from the hub besides the service parts. */
export interface FanOutHooks {
  /** Counts session pushes written (once per fan-out). */
  countPushes(n: number): void;
  /** Runs a promise in the background, logging what it rejects with. */
  background(p: Promise<unknown>): void;
}

/**
 * The sockets of this instance grouped by session, and the fan-out to them: for a session that
 * changed (bus, another process, the clock), read it once, serialize its view once, and push it to
 * each of its sockets that has not seen that rev; a session that is gone gets the anonymous view
 * and its sockets are unbound. Also the per-session expiry timer and heartbeat re-validation.
 */
export class SessionFanOut {
  readonly #parts: ServiceParts;
  readonly #hooks: FanOutHooks;
  readonly #rooms = new Map<string, SessionRoom>();
  readonly #dirty = new Set<SessionRoom>();
  #flush: NodeJS.Immediate | null = null;

  constructor(parts: ServiceParts, hooks: FanOutHooks) {
    this.#parts = parts;
    this.#hooks = hooks;
  }

  /** Open sockets bound to this session on this instance. */
  socketsOf(key: string): number {
    return this.#rooms.get(key)?.sockets.size ?? 0;
  }

  /** The room a socket is bound to, if any. */
  roomOf(conn: SyncConnection): SessionRoom | undefined {
    return conn.key === null ? undefined : this.#rooms.get(conn.key);
  }

  /**
   * Binds a socket to the session of `record` (read at its upgrade) and returns the room. Schedules
   * one more read: a change published between the upgrade's read and this moment would be missed.
   */
  join(conn: SyncConnection, record: SessionRecord): SessionRoom {
    let room = this.#rooms.get(record.key);
    if (!room) {
      room = new SessionRoom(record);
      this.#rooms.set(record.key, room);
    } else room.adopt(record);
    room.sockets.add(conn);
    conn.key = room.key;
    this.#arm(room);
    this.schedule(room, false);
    return room;
  }

  /** Unbinds a socket (closed, or its session ended). */
  leave(conn: SyncConnection): void {
    const room = this.roomOf(conn);
    conn.key = null;
    conn.ctx.record = null;
    conn.ctx.sid = null;
    if (!room) return;
    room.sockets.delete(conn);
    if (room.sockets.size === 0) {
      room.disarm();
      this.#rooms.delete(room.key);
    }
  }

  /** Takes a record a visit or touch returned, if the room is still current and it is newer. */
  adopt(room: SessionRoom, record: SessionRecord): void {
    if (this.#rooms.get(room.key) === room && room.adopt(record)) this.#arm(room);
  }

  /**
   * A session changed somewhere (bus, store): re-read it if this instance has sockets for it.
   * `rev`: its rev after the change, when the change was made in this process.
   */
  changed(key: string, rev?: number): void {
    const room = this.#rooms.get(key);
    if (room) this.schedule(room, false, rev);
  }

  /** Every session with sockets may have changed (another process wrote the store). */
  changedAll(): void {
    for (const room of this.#rooms.values()) this.schedule(room, false);
  }

  /** Messages may have been lost: every bound socket gets its session's view again. */
  resync(): void {
    for (const room of this.#rooms.values()) this.schedule(room, true);
  }

  /** The rooms now open (the heartbeat walks them, see {@link revalidate}). */
  rooms(): Iterable<SessionRoom> {
    return this.#rooms.values();
  }

  /**
   * Heartbeat: a room's session is loaded as an HTTP request would load it (a no-op for a room
   * closed meanwhile).
   */
  revalidate(room: SessionRoom): void {
    if (this.#rooms.get(room.key) !== room) return;
    this.#hooks.background(this.#revalidate(room));
  }

  /** Stops every timer. */
  close(): void {
    for (const room of this.#rooms.values()) room.disarm();
    if (this.#flush) clearImmediate(this.#flush);
    this.#flush = null;
    this.#dirty.clear();
  }

  /**
   * Marks a room for a re-read at the end of this event-loop turn: all changes announced in one
   * turn (a group commit resolves many visits at once) cost one read and one push per room.
   * `force` pushes to every socket, even those that have the rev (a resync). With `rev` (a change
   * made in this process), the re-read is skipped when the room already holds that rev or a
   * later one: a visit's own record is adopted before its push goes out.
   */
  schedule(room: SessionRoom, force: boolean, rev?: number): void {
    room.force ||= force;
    if (rev === undefined) room.mustRead = true;
    else room.announced = Math.max(room.announced, rev);
    this.#dirty.add(room);
    this.#flush ??= setImmediate(() => {
      this.#flush = null;
      const rooms = [...this.#dirty];
      this.#dirty.clear();
      for (const r of rooms) this.#hooks.background(this.#refresh(r));
    });
  }

  /**
   * Reads a session once and pushes its view; a session that is gone gets the anonymous view. One
   * read per room at a time: requests meanwhile coalesce into one more read.
   */
  async #refresh(room: SessionRoom): Promise<void> {
    if (this.#rooms.get(room.key) !== room) return; // its last socket left meanwhile
    if (room.reading) {
      room.again = true;
      return;
    }
    room.reading = true;
    try {
      do {
        room.again = false;
        const forced = room.force;
        room.force = false;
        // Revs grow with every change of a session, so a record at the announced rev or later
        // holds every change announced; anything else (or a resync) reads the store.
        const known = !forced && !room.mustRead && room.record.rev >= room.announced;
        room.mustRead = false;
        room.announced = 0;
        const record = known
          ? room.record
          : await this.#parts.store.get(room.key, this.#parts.engine.now());
        if (this.#rooms.get(room.key) !== room) return;
        if (!record) return this.#end(room);
        if (!room.adopt(record) && !forced) continue;
        this.#arm(room);
        this.#push(room, forced);
      } while (room.again && this.#rooms.get(room.key) === room);
    } catch (err) {
      this.#parts.logger.warn({event: 'ws_refresh_failed', err}, 'ws_refresh_failed');
      // The store is unreachable: try again later rather than dropping the session's sockets.
      this.#arm(room, 5_000);
    } finally {
      room.reading = false;
    }
  }

  /** The room's view, serialized once, to each socket that has not seen its rev (all if forced). */
  #push(room: SessionRoom, force: boolean): void {
    const record = room.record;
    let text: Buffer | null = null;
    let sent = 0;
    for (const conn of room.sockets) {
      if (!force && conn.viewRev === record.rev) continue;
      text ??= sessionFrame(this.#parts.engine.viewOf(record));
      if (conn.push(text, record.rev)) sent++;
    }
    // One counter update per fan-out, not one per socket.
    if (sent > 0) this.#hooks.countPushes(sent);
  }

  /** The session is gone (logout, revocation, expiry): anonymous view, sockets unbound. */
  #end(room: SessionRoom): void {
    room.disarm();
    this.#rooms.delete(room.key);
    let sent = 0;
    for (const conn of [...room.sockets]) {
      this.leave(conn);
      if (conn.push(ANONYMOUS_FRAME, 0)) sent++;
    }
    if (sent > 0) this.#hooks.countPushes(sent);
    this.#parts.logger.debug(
      {event: 'ws_session_gone', session: sessionRef(room.key)},
      'ws_session_gone'
    );
  }

  /**
   * Re-checks a long-lived session as an HTTP request would (engine.load): a user disabled or
   * removed since ends the session, a change of user that is no longer allowed returns; the engine
   * publishes either, and the fan-out pushes it.
   */
  async #revalidate(room: SessionRoom): Promise<void> {
    const conn = room.sockets.values().next().value;
    if (!conn) return;
    try {
      await this.#parts.engine.load(conn.ctx.request, {storePending: false});
    } catch (err) {
      this.#parts.logger.warn({event: 'ws_revalidate_failed', err}, 'ws_revalidate_failed');
    }
  }

  /**
   * (Re)starts the room's timer for its expiry (or a retry after `retryMs`). A timer already set
   * for this expiry stays: a visit does not move it, and a timer per visit was two timer-list
   * operations (and a priority-queue insert for each new duration) on every ack.
   */
  #arm(room: SessionRoom, retryMs?: number): void {
    const expiresAt = room.record.expiresAt;
    if (retryMs === undefined && room.timer !== null && room.timerFor === expiresAt) return;
    room.disarm();
    room.timerFor = retryMs === undefined ? expiresAt : null;
    // +5 ms: the store calls a session dead only at `expiresAt <= now`; never fire before that.
    const due = retryMs ?? Math.max(expiresAt - this.#parts.engine.now() + 5, 5);
    room.timer = setTimeout(
      () => {
        room.timer = null;
        this.schedule(room, false);
      },
      Math.min(due, MAX_TIMER_MS)
    );
    room.timer.unref();
  }
}
