import {isSessionView, type SessionView} from '../shared.js';
import {FallbackKeyValueStore, type KeyValueStore} from '../mirror/key-value-store.js';
import {SessionMirror, type MirrorRecord} from '../mirror/session-mirror.js';
import {TabChannel, type TabMessage} from '../tabs/tab-channel.js';
import {requestJson, type SessionRequestError} from './request.js';
import {SocketLink} from './socket-link.js';
import {DEFAULT_TIMING, backoffDelay, type Timing} from './timing.js';
import {ANONYMOUS_STORED, identityOf, withVisits} from './trail-view.js';
import type {
  ConnectionState,
  ConnectionStatus,
  FetchLike,
  PendingVisit,
  WebSocketFactory,
} from './types.js';

/** Collaborators and settings of a connection; every one has a default (tests inject them). */
export interface ConnectionOptions {
  /** @default the page's fetch */
  fetch?: FetchLike;
  /** @default the page's WebSocket */
  WebSocket?: WebSocketFactory;
  /** @default IndexedDB `moin-session`/`kv`, falling back to memory after 3 s without an answer */
  store?: KeyValueStore;
  timing?: Partial<Timing>;
  /** Jitter source. @default Math.random */
  random?: () => number;
}

type Source = 'mirror' | 'http' | 'socket' | 'tab';

/** Acked visits kept to show until the push that reflects them (and to carry through a login). */
const LANDED_KEPT = 20;
/** How long visits of an anonymous session wait for the login that carries them. */
const CARRY_MS = 10_000;
/** Socket rebinds allowed per window before the connection stops forcing them. */
const MAX_REBINDS = 5;
const REBIND_WINDOW_MS = 60_000;

const isUserList = (d: unknown): d is {users: {name: string}[]} =>
  Array.isArray((d as {users?: unknown})?.users);

// setTimeout overflows above 2^31-1 ms (about 24.8 days) and would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The browser side of one session endpoint, shared by every element on the page that names it:
 * the IndexedDB mirror, the other tabs (BroadcastChannel), `GET {endpoint}/session` and the
 * socket `{endpoint}/sync`. Elements subscribe and render {@link state}; they never talk to the
 * network themselves.
 *
 * Order of truth: the first `session` message of a socket, then any server view with a rev at
 * least the current one, then views relayed by other tabs; the mirror only paints until one of
 * those arrives. When the identity a view belongs to changes (login, logout, expiry, revocation),
 * everything of the previous identity is wiped from memory and from the mirror, in every tab.
 */
export class SessionConnection {
  /** The endpoint as an absolute URL without a trailing slash. */
  readonly endpoint: string;
  readonly mirror: SessionMirror;
  readonly timing: Timing;
  /**
   * How many pages a trail keeps when the browser adds a visit itself (the browser-only trail, and
   * visits the server has not confirmed yet): the server's default `trail_size`, grown to the
   * longest trail the server sends.
   */
  trailSize = 5;
  readonly #fetch: FetchLike;
  readonly #WebSocket: WebSocketFactory;
  readonly #random: () => number;
  readonly #channel: TabChannel;
  readonly #listeners = new Set<() => void>();
  /** Resolves once the mirror has been read (painting can start). */
  readonly ready: Promise<void>;
  #queue: Promise<unknown> = Promise.resolve();
  #http: Promise<unknown> = Promise.resolve();
  #users = 0;
  /** Set while started: aborting it removes the window listeners. */
  #started: AbortController | null = null;

  #view: SessionView | null = null;
  #identity: string | null = null;
  #serverView: SessionView | null = null;
  #pending: PendingVisit[] = [];
  /**
   * The last visits acked on this page, with the rev current at the ack. Shown until a newer view
   * arrives (the ack comes before the push), and sent again if a login must carry them (#accept).
   */
  #landed: (PendingVisit & {rev: number})[] = [];
  #carry: {visits: PendingVisit[]; until: number} | null = null;
  /** Op ids of visits made on this page. */
  readonly #mine = new Set<string>();
  /** Op ids acked or refused during this page's life: never shown or sent again. */
  readonly #settled = new Set<string>();
  #local: string[] = [];
  #status: ConnectionStatus = 'connecting';
  #state: ConnectionState | null = null;
  #lastVisit: string | null = null;

  #link: SocketLink | null = null;
  #socketIdentity: string | null = null;
  #gen = 0;
  #attempts = 0;
  #rebinds: number[] = [];
  #retryTimer?: ReturnType<typeof setTimeout>;
  #refreshTimer?: ReturnType<typeof setTimeout>;

  constructor(endpoint: string, options: ConnectionOptions = {}) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.timing = {...DEFAULT_TIMING, ...options.timing};
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#WebSocket = options.WebSocket ?? WebSocket;
    this.#random = options.random ?? Math.random;
    this.mirror = new SessionMirror(this.endpoint, options.store ?? new FallbackKeyValueStore());
    this.#channel = new TabChannel(this.endpoint, (m) => this.#fromTab(m));
    this.ready = this.#run(() => this.#load());
  }

  /** The current snapshot (a new object after every change). */
  get state(): ConnectionState {
    const v = this.#view;
    const shown = this.#landed.filter((l) => l.rev >= (v?.rev ?? 0));
    const pages = [...shown, ...this.#pending].map((p) => p.page);
    return (this.#state ??= {
      trail: v && !v.stored ? this.#local : withVisits(v?.trail ?? [], pages, this.trailSize),
      view: v,
      serverView: this.#serverView,
      status: this.#status,
    });
  }

  /** Calls `listener` after every change of {@link state}; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** An element starts using the connection; the first one opens the network side. */
  acquire(): void {
    if (this.#users++ || this.#started) return;
    const started = (this.#started = new AbortController());
    const on = {signal: started.signal};
    addEventListener('online', this.#onWake, on);
    document.addEventListener('visibilitychange', this.#onWake, on);
    // A page going into the bfcache must not hold a socket; shown again, it becomes visible and
    // #onWake reconnects.
    addEventListener('pagehide', (e) => e.persisted && this.#halt('offline'), on);
    void this.#connect();
  }

  /**
   * An element stops using it; after the last one the socket and timers stop. A microtask later,
   * so an element moved within the page keeps the socket.
   */
  release(): void {
    this.#users = Math.max(0, this.#users - 1);
    queueMicrotask(() => {
      if (this.#users) return;
      this.#started?.abort();
      this.#started = null;
      this.#halt();
    });
  }

  /**
   * Records a visit: an empty name and a repeat of the last page visited on this page are ignored.
   * While the server stores nothing it goes to the browser-only trail; otherwise it is written to
   * the mirror first, then sent (and resent after reconnects and reloads until acked). Names the
   * server refuses (`invalid_page`: too long, control characters) are dropped when it says so.
   */
  visit(page: string): void {
    const name = page.trim();
    if (!name || name === this.#lastVisit) return;
    this.#lastVisit = name;
    void this.#run(async () => {
      // Only the server says nothing is stored: the mirror may be behind.
      if (this.#serverView && !this.#serverView.stored) {
        await this.#save((r) => ({...r, local: withVisits(r.local, [name], this.trailSize)}));
        return;
      }
      const id = await this.mirror.opId();
      this.#mine.add(id);
      await this.#save((r) => ({...r, pending: [...r.pending, {id, page: name}]}));
      this.#flush();
    });
  }

  /**
   * `GET {endpoint}/session`: sets or refreshes the cookie and applies the view; reconnects the
   * socket when it is bound to another identity than the browser's cookie now has.
   */
  async refresh(): Promise<SessionView> {
    const view = await this.#getSession();
    this.#accept(view, 'http');
    return view;
  }

  /** `POST {endpoint}/login`; the previous identity's mirror is wiped, the socket rebinds. */
  login(name: string, password: string, rememberMe = false): Promise<SessionView> {
    return this.#call('POST', '/login', {name, password, remember_me: rememberMe});
  }

  /** `POST {endpoint}/logout`; also wipes the browser-only trail. */
  async logout(): Promise<SessionView> {
    const view = await this.#call('POST', '/logout');
    await this.#run(() => this.#save((r) => ({...r, local: []})));
    return view;
  }

  /** `POST {endpoint}/su`: act as `name` (superusers). */
  su(name: string): Promise<SessionView> {
    return this.#call('POST', '/su', {name});
  }

  /** `DELETE {endpoint}/su`: back to the real user. */
  suReturn(): Promise<SessionView> {
    return this.#call('DELETE', '/su');
  }

  /** `GET {endpoint}/users?q=`: names for the picker (superusers only). */
  async searchUsers(prefix: string): Promise<string[]> {
    const url = `${this.endpoint}/users?q=${encodeURIComponent(prefix)}`;
    const data = await requestJson(this.#fetch, url, this.timing.requestTimeoutMs, isUserList);
    return data.users.map((u) => u.name);
  }

  /** Stops everything for good (tests; a page normally keeps its connections). */
  dispose(): void {
    this.#users = 1;
    this.release();
    this.#channel.close();
  }

  // ---- transport ----

  // `online`, and a tab coming back into view: retry at once when offline; when the socket is up,
  // check the cookie's identity (another tab may have logged in with a plain form post).
  readonly #onWake = (): void => {
    if (document.visibilityState === 'hidden') return;
    if (this.#link?.live) this.refresh().catch(() => {});
    else if (this.#status === 'offline') void this.#connect();
  };

  /** Closes the socket and stops the timers (no element left, or the page went into the bfcache). */
  #halt(status = this.#status): void {
    this.#status = status;
    this.#gen++;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    this.#dropLink();
  }

  async #connect(): Promise<void> {
    const gen = ++this.#gen;
    clearTimeout(this.#retryTimer);
    this.#dropLink();
    await this.ready;
    let view: SessionView;
    try {
      view = await this.#getSession();
    } catch (e) {
      if (gen === this.#gen) this.#failed((e as SessionRequestError).code !== 'network_error');
      return;
    }
    if (gen !== this.#gen) return;
    this.#accept(view, 'http');
    const url = new URL(`${this.endpoint}/sync`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const link: SocketLink = new SocketLink(
      url.href,
      this.#WebSocket,
      (m) => {
        // Every server message type is handled here: a new one fails to compile until it is.
        switch (m.type) {
          case 'session':
            return this.#onSession(link, m.session);
          case 'ack':
            return this.#settle(m.id, true);
          case 'error':
            // A page the server refuses is dropped. Anything else (rate_limited, no_session after
            // a login moved the session, store_unavailable) keeps the visit pending for a later
            // try. An error without an id is about no visit of ours.
            if (!m.id) return;
            if (m.code === 'invalid_page' || m.code === 'bad_message')
              return this.#settle(m.id, false);
            link.sent.delete(m.id);
            setTimeout(() => this.#flush(), this.timing.minDelayMs);
            return;
          case 'pong':
            // Any frame counts as life (SocketLink); nothing else to do.
            return;
          default:
            return m satisfies never;
        }
      },
      () => {
        // Closed before the first `session`: the server is up (the GET worked) but refuses.
        if (this.#link === link) this.#failed(!link.sawSession);
      },
      this.timing
    );
    this.#link = link;
  }

  /**
   * The view for the browser's cookie. When the server stores nothing yet, ask once more: with
   * anonymous sessions on, the first answer only sets a cookie ("not storing any state until you
   * send a cookie", as 1.9 does), and the socket cannot turn it into a session. The second answer
   * stores it, so the first page is already recorded on the server.
   */
  async #getSession(): Promise<SessionView> {
    let view = await this.#fetchView('GET', '/session');
    if (!view.stored && !view.user) view = await this.#fetchView('GET', '/session');
    clearTimeout(this.#refreshTimer);
    const half = (Date.parse(view.expiresAt ?? '') - Date.now()) / 2;
    // Refresh the cookie halfway to its expiry while the page stays open (sliding expiry).
    if (half > 0 && this.#started) {
      this.#refreshTimer = setTimeout(
        () => this.refresh().catch(() => {}),
        Math.min(MAX_TIMER_MS, Math.max(10_000, half))
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
    const {minDelayMs, maxDelayMs, refusedMaxDelayMs} = this.timing;
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
    this.#accept(view, 'socket', first);
    // The session this socket was bound to ended (logout, expiry, revocation): bind a new socket
    // to whatever cookie the browser has now.
    if (!first && before !== this.#socketIdentity) this.#rebind();
    else this.#flush();
  }

  #rebind(): void {
    const now = Date.now();
    this.#rebinds = this.#rebinds.filter((t) => now - t < REBIND_WINDOW_MS);
    // HTTP and the socket keep disagreeing (a cookie the upgrade does not carry?): stop forcing.
    if (this.#rebinds.push(now) <= MAX_REBINDS) void this.#connect();
  }

  /** Sends every pending visit not yet sent on this socket, oldest first. */
  #flush(): void {
    const link = this.#link;
    if (!link?.live || !this.#view?.stored) return;
    for (const {id, page} of this.#pending) {
      if (link.sent.has(id)) continue;
      link.sent.add(id);
      link.send({type: 'visit', id, page});
    }
  }

  /** An ack (`landed`) or a refusal for a visit: it leaves the pending list in every tab. */
  #settle(id: string, landed: boolean): void {
    this.#settled.add(id);
    const visit = this.#pending.find((v) => v.id === id);
    if (visit && landed) {
      this.#landed = [
        ...this.#landed.slice(1 - LANDED_KEPT),
        {...visit, rev: this.#view?.rev ?? 0},
      ];
    }
    this.#setPending(this.#pending);
    this.#notify();
    void this.#run(() =>
      this.#save((r) => ({...r, pending: r.pending.filter((v) => v.id !== id)}))
    );
  }

  /**
   * One API call at a time: every answer may set the cookie, and a `GET /session` sent before a
   * login but answered after it would leave the browser on the old session.
   */
  #fetchView(method: string, path: string, body?: object): Promise<SessionView> {
    const url = this.endpoint + path;
    const call = () =>
      requestJson(this.#fetch, url, this.timing.requestTimeoutMs, isSessionView, method, body);
    const next = this.#http.then(call, call);
    this.#http = next.catch(() => {});
    return next;
  }

  /**
   * An API call whose answer is applied, and written to the mirror before the promise resolves:
   * a page that reloads right after `await login()` must find the new identity there.
   */
  async #call(method: string, path: string, body?: object): Promise<SessionView> {
    const view = await this.#fetchView(method, path, body);
    this.#accept(view, 'http');
    await this.#queue;
    return view;
  }

  // ---- state ----

  async #load(): Promise<void> {
    const r = await this.mirror.load();
    this.#setPending(r.pending);
    this.#local = r.local;
    if (r.view) this.#accept(r.view, 'mirror');
    else this.#notify();
  }

  /**
   * Takes a view from any source (see the class comment for which wins). `fresh`: the first view
   * of a socket, which is always current for the cookie the browser sent.
   */
  #accept(view: SessionView, source: Source, fresh = false): void {
    const identity = identityOf(view);
    const current = this.#view;
    const changed = this.#identity !== null && identity !== this.#identity;
    if (source === 'mirror' ? current : current && !changed && !fresh && view.rev < current.rev) {
      return;
    }
    // Logging in copies an anonymous session's trail (and applied op ids) to the new session.
    // Visits not sent yet go along, and so do recent acked ones: one applied to the old session
    // after the copy would be lost, and one applied before it is a duplicate the server ignores.
    // The old session's socket may first say it ended, so they wait (CARRY_MS) for the next stored
    // identity. Every other change of identity drops them with the rest (privacy).
    const now = Date.now();
    if (changed && this.#identity === ANONYMOUS_STORED) {
      const visits = [...this.#landed, ...this.#pending].map(({id, page}) => ({id, page}));
      this.#carry = {visits, until: now + CARRY_MS};
    }
    // Visits of this page made before the server first answered belong to whoever the server
    // says the cookie is (the mirror may be behind: a page can unload mid-write).
    const carried = [
      ...(changed && view.stored && this.#carry && now < this.#carry.until
        ? this.#carry.visits
        : []),
      ...(source !== 'mirror' && !this.#serverView
        ? this.#pending.filter((v) => this.#mine.has(v.id))
        : []),
    ];
    if (changed && view.stored) this.#carry = null;
    for (const v of carried) this.#settled.delete(v.id);
    if (changed) {
      this.#pending = [];
      this.#landed = [];
      this.#local = [];
    }
    this.#view = view;
    this.#identity = identity;
    this.trailSize = Math.max(this.trailSize, view.trail.length);
    // Visits recorded before anything was known, now that the server turns out to store nothing,
    // join the browser-only trail and are never sent.
    const adopt = (r: {pending: PendingVisit[]; local: string[]}) => {
      const pending = [
        ...r.pending,
        ...carried.filter((c) => !r.pending.some((p) => p.id === c.id)),
      ];
      return view.stored
        ? {pending, local: r.local}
        : {
            pending: [],
            local: withVisits(
              r.local,
              pending.map((v) => v.page),
              this.trailSize
            ),
          };
    };
    ({pending: this.#pending, local: this.#local} = adopt({
      pending: this.#pending,
      local: this.#local,
    }));
    if (source !== 'mirror') this.#serverView = view;
    this.#notify();
    if (source === 'mirror') return;
    if (source === 'tab') {
      // The other tab wrote the mirror; on a change of identity, wipe here too (in case a write
      // of ours for the previous identity landed after theirs).
      if (changed) void this.#run(() => this.#save((r) => ({...r, ...adopt(r)})));
    } else {
      this.#channel.post({type: 'view', view});
      void this.#run(() => this.#save((r) => ({...r, view, ...adopt(r)})));
    }
    if (source !== 'socket' && this.#link?.sawSession && this.#socketIdentity !== identity) {
      this.#rebind();
    }
  }

  /**
   * Writes the mirror record of the current identity (a record of another identity is replaced:
   * the wipe), takes its pending visits and browser-only trail (other tabs' writes included), and
   * tells the other tabs. Runs inside {@link #run}.
   */
  async #save(change: (r: MirrorRecord) => MirrorRecord): Promise<void> {
    const identity = this.#identity;
    const record = await this.mirror.update(identity, change);
    if (identity !== this.#identity) return;
    this.#take(record);
    this.#channel.post({type: 'record', record});
  }

  #take(record: MirrorRecord): void {
    if (record.identity !== this.#identity && record.identity !== null) return;
    this.#setPending(record.pending);
    this.#local = record.local;
    this.#notify();
  }

  #fromTab(m: TabMessage): void {
    if (m.type === 'view') this.#accept(m.view, 'tab');
    else {
      // With IndexedDB, read the shared record back (the message may be stale by now); with the
      // memory fallback there is nothing shared: take the message as it is.
      void this.#run(async () =>
        this.#take(this.mirror.store.kind === 'memory' ? m.record : await this.mirror.load())
      );
    }
  }

  #setPending(visits: PendingVisit[]): void {
    this.#pending = visits.filter((v) => !this.#settled.has(v.id));
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#notify();
  }

  #notify(): void {
    this.#state = null;
    for (const listener of [...this.#listeners]) listener();
  }

  /** Runs mirror work one step after another, so writes land in the order they were made. */
  #run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work);
    this.#queue = next.catch(() => {});
    return next;
  }
}
