import {parseServerMessage, type ClientMessage, type ServerMessage} from '../shared.js';
import type {Timing} from './timing.js';
import type {WebSocketFactory} from './types.js';

/** Silence is checked this many times per `pingAfterMs`, so a ping is late by a quarter at most. */
const CHECKS_PER_PING = 4;
/** The WebSocket close code of an orderly close. */
const NORMAL_CLOSURE = 1000;

/**
 * One WebSocket with an app-level heartbeat (browsers cannot see protocol pings): a `ping` after
 * `pingAfterMs` without a frame, and the socket counts as dead after `deadAfterMs` of silence, so a
 * half-open connection is noticed. The silence clock starts when the socket is created, which also
 * bounds how long an upgrade may hang. `onClosed` runs once when the socket closes, fails, sends a
 * frame that is not a server message, or goes silent; never after {@link close}.
 */
export class SocketLink {
  /** Has a `session` message arrived on this socket. */
  sawSession = false;
  /** When the upgrade was sent: the first `session` answers the cookie of that moment. */
  readonly openedAt = Date.now();
  /** Op ids sent on this socket (each pending visit is sent at most once per socket). */
  readonly sent = new Set<string>();
  readonly #ws: WebSocket;
  readonly #timer: ReturnType<typeof setInterval>;
  #lastFrame = Date.now();
  #lastPing = 0;
  #done = false;

  constructor(
    url: string,
    WebSocketCtor: WebSocketFactory,
    onMessage: (message: ServerMessage) => void,
    onClosed: () => void,
    {pingAfterMs, deadAfterMs}: Pick<Timing, 'pingAfterMs' | 'deadAfterMs'>
  ) {
    const fail = () => {
      if (this.#done) return;
      this.close();
      onClosed();
    };
    this.#ws = new WebSocketCtor(url);
    this.#ws.onmessage = (e: MessageEvent) => {
      this.#lastFrame = Date.now();
      const message = typeof e.data === 'string' ? parseServerMessage(e.data) : null;
      if (message) onMessage(message);
      else fail();
    };
    // onerror is always followed by onclose; nothing to do twice.
    this.#ws.onclose = fail;
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (now - this.#lastFrame >= deadAfterMs) fail();
      else if (now - this.#lastFrame >= pingAfterMs && now - this.#lastPing >= pingAfterMs) {
        this.#lastPing = now;
        this.send({type: 'ping'});
      }
    }, pingAfterMs / CHECKS_PER_PING);
  }

  /** Is the socket open and past its first `session` message. */
  get live(): boolean {
    return !this.#done && this.sawSession && this.#ws.readyState === 1;
  }

  send(message: ClientMessage): void {
    if (!this.#done && this.#ws.readyState === 1) {
      this.#ws.send(JSON.stringify(message));
    }
  }

  /** Closes quietly: `onClosed` is not called. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    clearInterval(this.#timer);
    this.#ws.onmessage = this.#ws.onclose = null;
    try {
      this.#ws.close(NORMAL_CLOSURE);
    } catch {
      // Already closing; nothing to do.
    }
  }
}
