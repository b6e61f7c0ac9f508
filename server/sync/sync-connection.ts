import {WebSocket} from 'ws';
import {CLOSE_CODES} from '../../shared/index.js';
import type {SessionContext} from '../session/session-engine.js';
import type {TokenBucket} from './token-bucket.js';

// A Buffer sent as a text frame: ws does not re-encode it per socket.
const TEXT_FRAME = {binary: false} as const;

/** Buffer limits shared by every socket of a hub. */
export interface BufferLimits {
  /** Above this many unsent bytes, pushes are coalesced to the latest view. */
  soft: number;
  /** Above this many unsent bytes, the socket is closed with 1013. */
  hard: number;
}

/**
 * One open socket: its session context (unbound once the session ends), its visit bucket, its
 * heartbeat flag and its outgoing queue discipline. Acks, errors and pongs are always written; a
 * session push is written only while the socket drains, else it replaces the one waiting (only the
 * latest view matters), so a client that does not read costs at most `soft` bytes plus one view,
 * and one that keeps asking for answers it does not read is closed at `hard`.
 */
export class SyncConnection {
  readonly ws: WebSocket;
  readonly bucket: TokenBucket;
  /** The session context from the upgrade; `record` is null while no session is bound. */
  ctx: SessionContext;
  /** The store key of the bound session, or null (set by the fan-out's join and leave). */
  key: string | null = null;
  /** rev of the last view sent or waiting; -1 before the first. */
  viewRev = -1;
  /** Answered the last heartbeat ping. */
  alive = true;
  readonly #limits: BufferLimits;
  readonly #onPushSent: () => void;
  readonly #onWritten: (err?: Error) => void;
  #waiting: Buffer | null = null;

  constructor(
    ws: WebSocket,
    ctx: SessionContext,
    bucket: TokenBucket,
    limits: BufferLimits,
    onPushSent: () => void
  ) {
    this.ws = ws;
    this.ctx = ctx;
    this.bucket = bucket;
    this.#limits = limits;
    this.#onPushSent = onPushSent;
    // One callback per socket, not one closure per message: fan-out sends thousands.
    this.#onWritten = () => this.#drain();
  }

  /** Is the socket open for sending. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes accepted but not yet handed to the kernel, plus a coalesced view waiting. */
  get buffered(): number {
    return this.ws.bufferedAmount + (this.#waiting?.length ?? 0);
  }

  /**
   * Sends an ack, error or pong (or a push, as UTF-8 bytes encoded once for all its sockets).
   * Closes the socket with 1013 past the hard limit.
   */
  send(text: string | Buffer): void {
    if (!this.open) return;
    if (typeof text === 'string') this.ws.send(text, this.#onWritten);
    else this.ws.send(text, TEXT_FRAME, this.#onWritten);
    if (this.ws.bufferedAmount > this.#limits.hard) {
      this.#waiting = null;
      this.ws.close(CLOSE_CODES.tryAgainLater, 'Not reading; too much unsent data.');
    }
  }

  /**
   * Sends a serialized session message for `rev` (UTF-8 bytes, shared by every socket of the
   * session), or keeps it as the one waiting view while the socket is above the soft limit.
   * Returns true when it was written now (the caller counts those; a waiting view that goes out
   * later is counted through `onPushSent`).
   */
  push(text: Buffer, rev: number): boolean {
    this.viewRev = rev;
    if (!this.open) return false;
    if (this.ws.bufferedAmount > this.#limits.soft) {
      this.#waiting = text;
      return false;
    }
    this.#waiting = null;
    this.send(text);
    return true;
  }

  /** Sends the waiting view if the socket has drained (also called by the heartbeat). */
  #drain(): void {
    if (this.#waiting === null || !this.open) return;
    if (this.ws.bufferedAmount > this.#limits.soft) return;
    const text = this.#waiting;
    this.#waiting = null;
    this.#onPushSent();
    this.send(text);
  }

  /** Heartbeat tick: retries a waiting view, then drops the socket if the last ping went unanswered. */
  tick(): void {
    this.#drain();
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (this.open) this.ws.ping();
  }
}
