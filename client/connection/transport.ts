import {MAX_TIMER_MS, isSessionView, type ServerMessage, type SessionView} from '../shared.js';
import {SessionRequestError, requestJson} from './request.js';
import {SocketLink} from './socket-link.js';
import {tabsName} from '../tabs/tab-channel.js';
import {backoffDelay, type Timing} from './timing.js';
import type {ViewFacts} from './reconcile.js';
import {identityOf} from './trail-view.js';
import type {ConnectionStatus, FetchLike, PendingVisit, WebSocketFactory} from './types.js';

/** What the transport asks of the connection it serves. */
export interface TransportHost {
  /** Resolves once the mirror has been read; nothing connects before. */
  readonly ready: Promise<void>;
  /** A view from the server, and what else is known of it. */
  accept(view: SessionView, source: 'http' | 'socket', facts?: ViewFacts): void;
  /** An ack (`landed`) or a refusal for the visit `id`. */
  settle(id: string, landed: boolean): void;
  /** The identity of the view the page shows now (identityOf), null before any. */
  identity(): string | null;
  /** The visits to send, oldest first: none while the server stores nothing. */
  unsent(): readonly PendingVisit[];
  /** {@link Transport.status} changed. */
  changed(): void;
}

const isUserList = (d: unknown): d is {users: {name: string}[]} =>
  Array.isArray((d as {users?: unknown})?.users);

/**
 * The network side of one connection: the serialized HTTP calls, the socket `{endpoint}/sync`
 * with its reconnect back-off and rebind budget, the cookie refresh timer and the wake-ups
 * (`online`, the tab becoming visible, the bfcache). What the views mean is the host's business.
 */
export class Transport {
  /** `connecting` until the first answer, `online` while the socket is live, else `offline`. */
  status: ConnectionStatus = 'connecting';
  readonly #endpoint: string;
  readonly #timing: Timing;
  readonly #fetch: FetchLike;
  readonly #WebSocket: WebSocketFactory;
  readonly #random: () => number;
  readonly #host: TransportHost;
  /** The Web Lock every tab takes for an API call to this endpoint. */
  readonly #lockName: string;
  #http: Promise<unknown> = Promise.resolve();
  /** Set while started: aborting it removes the window listeners. */
  #started: AbortController | null = null;
  #link: SocketLink | null = null;
  #socketIdentity: string | null = null;
  #gen = 0;
  #attempts = 0;
  #rebinds: number[] = [];
  #retryTimer?: ReturnType<typeof setTimeout>;
  #refreshTimer?: ReturnType<typeof setTimeout>;

  constructor(
    endpoint: string,
    timing: Timing,
    fetchFn: FetchLike,
    WebSocketCtor: WebSocketFactory,
    random: () => number,
    host: TransportHost
  ) {
    this.#endpoint = endpoint;
    this.#lockName = tabsName(endpoint);
    this.#timing = timing;
    this.#fetch = fetchFn;
    this.#WebSocket = WebSocketCtor;
    this.#random = random;
    this.#host = host;
  }

  /** Listens for wake-ups and connects (no-op while started). */
  start(): void {
    if (this.#started) return;
    const started = (this.#started = new AbortController());
    const on = {signal: started.signal};
    addEventListener('online', this.#onWake, on);
    document.addEventListener('visibilitychange', this.#onWake, on);
    // A page going into the bfcache must not hold a socket; shown again, it becomes visible and
    // #onWake reconnects.
    addEventListener('pagehide', (e) => e.persisted && this.#halt('offline'), on);
    void this.#connect();
  }

  /** Removes the listeners, closes the socket and stops the timers. */
  stop(): void {
    this.#started?.abort();
    this.#started = null;
    this.#halt();
  }

  /** `GET {endpoint}/session`, and the view applied. */
  async refresh(): Promise<SessionView> {
    const view = await this.#getSession();
    this.#host.accept(view, 'http');
    return view;
  }

  /**
   * One API call at a time, in this tab and (with the Web Locks API) in every tab of the page's
   * origin: every answer may set the cookie, and a `GET /session` sent before a login but
   * answered after it would leave the browser on a new anonymous session, the login lost.
   */
  call(method: string, path: string, body?: object): Promise<SessionView> {
    const url = this.#endpoint + path;
    const request = () =>
      requestJson(this.#fetch, url, this.#timing.requestTimeoutMs, isSessionView, method, body);
    // Only in secure contexts (https, localhost); elsewhere tabs are not serialized.
    const locks = (navigator as {locks?: LockManager}).locks;
    const locked = (lm: LockManager) =>
      (lm.request(this.#lockName, request) as unknown as Promise<SessionView>).catch((e) => {
        // No lock to be had (an opaque origin: a sandboxed frame): the call goes on without.
        if (e instanceof SessionRequestError) throw e;
        return request();
      });
    const call = locks ? () => locked(locks) : request;
    const next = this.#http.then(call, call);
    this.#http = next.catch(() => {});
    return next;
  }

  /** `GET {endpoint}/users?q=`: names for the picker. */
  async searchUsers(prefix: string): Promise<string[]> {
    const url = `${this.#endpoint}/users?q=${encodeURIComponent(prefix)}`;
    const data = await requestJson(this.#fetch, url, this.#timing.requestTimeoutMs, isUserList);
    return data.users.map((u) => u.name);
  }

  /** A view for `identity` arrived by HTTP or from a tab: rebind a socket bound to another one. */
  bindTo(identity: string | null): void {
    if (this.#link?.sawSession && this.#socketIdentity !== identity) this.#rebind();
  }

  /** Sends every unsent visit not yet sent on this socket, oldest first. */
  flush(): void {
    const link = this.#link;
    if (!link?.live) return;
    for (const {id, page} of this.#host.unsent()) {
      if (link.sent.has(id)) continue;
      link.sent.add(id);
      link.send({type: 'visit', id, page});
    }
  }

  // `online`, and a tab coming back into view: retry at once when offline; when the socket is up,
  // check the cookie's identity (another tab may have logged in with a plain form post).
  readonly #onWake = (): void => {
    if (document.visibilityState === 'hidden') return;
    if (this.#link?.live) this.refresh().catch(() => {});
    else if (this.status === 'offline') void this.#connect();
  };

  /** Closes the socket and stops the timers (no element left, or the page went into the bfcache). */
  #halt(status = this.status): void {
    this.status = status;
    this.#gen++;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    this.#dropLink();
  }

  async #connect(): Promise<void> {
    const gen = ++this.#gen;
    clearTimeout(this.#retryTimer);
    this.#dropLink();
    await this.#host.ready;
    let view: SessionView;
    try {
      view = await this.#getSession();
    } catch (e) {
      if (gen === this.#gen) this.#failed((e as SessionRequestError).code !== 'network_error');
      return;
    }
    if (gen !== this.#gen) return;
    this.#host.accept(view, 'http');
    const url = new URL(`${this.#endpoint}/sync`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const link: SocketLink = new SocketLink(
      url.href,
      this.#WebSocket,
      (m) => this.#onMessage(link, m),
      () => {
        // Closed before the first `session`: the server is up (the GET worked) but refuses.
        if (this.#link === link) this.#failed(!link.sawSession);
      },
      this.#timing
    );
    this.#link = link;
  }

  /** Every server message type is handled here: a new one fails to compile until it is. */
  #onMessage(link: SocketLink, m: ServerMessage): void {
    switch (m.type) {
      case 'session':
        return this.#onSession(link, m.session);
      case 'ack':
        return this.#host.settle(m.id, true);
      case 'error':
        // A page the server refuses is dropped. Anything else (rate_limited, no_session after a
        // login moved the session, store_unavailable) keeps the visit pending for a later try.
        // An error without an id is about no visit of ours.
        if (!m.id) return;
        if (m.code === 'invalid_page' || m.code === 'bad_message')
          return this.#host.settle(m.id, false);
        link.sent.delete(m.id);
        setTimeout(() => this.flush(), this.#timing.minDelayMs);
        return;
      case 'pong':
        // Any frame counts as life (SocketLink); nothing else to do.
        return;
      default:
        return m satisfies never;
    }
  }

  /**
   * The view for the browser's cookie. When the server stores nothing yet, ask once more: with
   * anonymous sessions on, the first answer only sets a cookie ("not storing any state until you
   * send a cookie", as 1.9 does), and the socket cannot turn it into a session. The second answer
   * stores it, so the first page is already recorded on the server.
   */
  async #getSession(): Promise<SessionView> {
    let view = await this.call('GET', '/session');
    if (!view.stored && !view.user) view = await this.call('GET', '/session');
    clearTimeout(this.#refreshTimer);
    const half = (Date.parse(view.expiresAt ?? '') - Date.now()) / 2;
    // Refresh the cookie halfway to its expiry while the page stays open (sliding expiry).
    if (half > 0 && this.#started) {
      this.#refreshTimer = setTimeout(
        () => this.refresh().catch(() => {}),
        Math.min(MAX_TIMER_MS, Math.max(this.#timing.minRefreshMs, half))
      );
    }
    return view;
  }

  #dropLink(): void {
    this.#link?.close();
    this.#link = null;
    this.#socketIdentity = null;
  }

  #failed(refused: boolean): void {
    this.#dropLink();
    if (!this.#started) return;
    this.#setStatus('offline');
    const {minDelayMs, maxDelayMs, refusedMaxDelayMs} = this.#timing;
    const cap = refused || !navigator.onLine ? refusedMaxDelayMs : maxDelayMs;
    const delay = backoffDelay(this.#attempts++, minDelayMs, cap, this.#random);
    this.#retryTimer = setTimeout(() => void this.#connect(), delay);
  }

  #onSession(link: SocketLink, view: SessionView): void {
    const first = !link.sawSession;
    const before = this.#socketIdentity;
    link.sawSession = true;
    this.#socketIdentity = identityOf(view);
    if (first) {
      // Reset only now, not on `open`: a server that accepts and drops sockets must not get a
      // reconnect storm (yjs/y-websocket PR #74).
      this.#attempts = 0;
      this.#setStatus('online');
    }
    // The session this socket was bound to ended (logout, expiry, revocation, a login that moved
    // it): that is news only for a page still showing it; then bind a new socket to whatever
    // cookie the browser has now.
    const ended = !first && before !== this.#socketIdentity;
    this.#host.accept(
      view,
      'socket',
      ended && before !== null ? {ended: before} : {fresh: first, at: link.openedAt}
    );
    // A first view the page did not take answers a cookie older than the page's (the socket
    // opened before a login answered): bind a new socket to the cookie as it is now.
    if (ended || this.#socketIdentity !== this.#host.identity()) this.#rebind();
    else this.flush();
  }

  #rebind(): void {
    const now = Date.now();
    const {maxRebinds, rebindWindowMs} = this.#timing;
    this.#rebinds = this.#rebinds.filter((t) => now - t < rebindWindowMs);
    // HTTP and the socket keep disagreeing (a cookie the upgrade does not carry?): stop forcing.
    if (this.#rebinds.push(now) <= maxRebinds) void this.#connect();
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.#host.changed();
  }
}
