import type {SessionView} from '../shared.js';
import {FallbackKeyValueStore, type KeyValueStore} from '../mirror/key-value-store.js';
import {SessionMirror, type MirrorRecord} from '../mirror/session-mirror.js';
import {TabChannel, type TabMessage} from '../tabs/tab-channel.js';
import * as reconcile from './reconcile.js';
import type {LocalState, Source} from './reconcile.js';
import {DEFAULT_TIMING, type Timing} from './timing.js';
import {Transport} from './transport.js';
import {withVisits} from './trail-view.js';
import type {ConnectionState, FetchLike, WebSocketFactory} from './types.js';

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
  /** Resolves once the mirror has been read (painting can start). */
  readonly ready: Promise<void>;
  readonly #channel: TabChannel;
  readonly #transport: Transport;
  readonly #listeners = new Set<() => void>();
  #queue: Promise<unknown> = Promise.resolve();
  #users = 0;
  #s: LocalState = reconcile.initialState();
  #state: ConnectionState | null = null;
  #lastVisit: string | null = null;

  constructor(endpoint: string, options: ConnectionOptions = {}) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.timing = {...DEFAULT_TIMING, ...options.timing};
    this.mirror = new SessionMirror(this.endpoint, options.store ?? new FallbackKeyValueStore());
    this.#channel = new TabChannel(this.endpoint, (m) => this.#fromTab(m));
    this.ready = this.#run(() => this.#load());
    this.#transport = new Transport(
      this.endpoint,
      this.timing,
      options.fetch ?? ((input, init) => fetch(input, init)),
      options.WebSocket ?? WebSocket,
      options.random ?? Math.random,
      {
        ready: this.ready,
        accept: (view, source, facts) => this.#accept(view, source, facts),
        settle: (id, landed) => this.#settle(id, landed),
        identity: () => this.#s.identity,
        unsent: () => (this.#s.view?.stored ? this.#s.pending : []),
        changed: () => this.#notify(),
      }
    );
  }

  /**
   * How many pages a trail keeps when the browser adds a visit itself (the browser-only trail, and
   * visits the server has not confirmed yet): the server's default `trail_size`, grown to the
   * longest trail the server sends.
   */
  get trailSize(): number {
    return this.#s.trailSize;
  }

  /** The current snapshot (a new object after every change). */
  get state(): ConnectionState {
    const s = this.#s;
    return (this.#state ??= {
      trail: reconcile.shownTrail(s),
      view: s.view,
      serverView: s.serverView,
      status: this.#transport.status,
    });
  }

  /** Calls `listener` after every change of {@link state}; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** An element starts using the connection; the first one opens the network side. */
  acquire(): void {
    if (!this.#users++) this.#transport.start();
  }

  /**
   * An element stops using it; after the last one the socket and timers stop. A microtask later,
   * so an element moved within the page keeps the socket.
   */
  release(): void {
    this.#users = Math.max(0, this.#users - 1);
    queueMicrotask(() => this.#users || this.#transport.stop());
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
      const server = this.#s.serverView;
      if (server && !server.stored) {
        await this.#save((r) => ({...r, local: withVisits(r.local, [name], this.trailSize)}));
        return;
      }
      const id = await this.mirror.opId();
      this.#s = reconcile.own(this.#s, id);
      await this.#save((r) => ({...r, pending: [...r.pending, {id, page: name}]}));
      this.#transport.flush();
    });
  }

  /**
   * `GET {endpoint}/session`: sets or refreshes the cookie and applies the view; reconnects the
   * socket when it is bound to another identity than the browser's cookie now has.
   */
  refresh(): Promise<SessionView> {
    return this.#transport.refresh();
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
  searchUsers(prefix: string): Promise<string[]> {
    return this.#transport.searchUsers(prefix);
  }

  /** Stops everything for good (tests; a page normally keeps its connections). */
  dispose(): void {
    this.#users = 1;
    this.release();
    this.#channel.close();
  }

  /**
   * An API call whose answer is applied, and written to the mirror before the promise resolves:
   * a page that reloads right after `await login()` must find the new identity there.
   */
  async #call(method: string, path: string, body?: object): Promise<SessionView> {
    const view = await this.#transport.call(method, path, body);
    this.#accept(view, 'http');
    await this.#queue;
    return view;
  }

  async #load(): Promise<void> {
    const r = await this.mirror.load();
    this.#s = {...reconcile.withPending(this.#s, r.pending), local: r.local};
    if (r.view) this.#accept(r.view, 'mirror');
    else this.#notify();
  }

  /** Applies a view from any source (the rules are `accept` in reconcile.ts), then its effects. */
  #accept(view: SessionView, source: Source, facts: reconcile.ViewFacts = {}): void {
    const now = Date.now();
    // An HTTP answer is at least as new as the cookie when it arrives.
    const known = source === 'http' ? {...facts, at: now} : facts;
    const a = reconcile.accept(this.#s, view, source, known, now, this.timing.carryMs);
    if (!a) return;
    this.#s = a.state;
    this.#notify();
    // A tab's view: the other tab wrote the mirror; on a change of identity, wipe here too (in
    // case a write of ours for the previous identity landed after theirs).
    if (a.write === 'adopt')
      void this.#run(() => this.#save((r) => ({...r, ...a.adopt(r, this.trailSize)})));
    if (a.write === 'view') {
      this.#channel.post({type: 'view', view, at: known.at, ended: known.ended});
      void this.#run(() => this.#save((r) => ({...r, view, ...a.adopt(r, this.trailSize)})));
    }
    if (a.checkSocket) this.#transport.bindTo(a.state.identity);
  }

  /** An ack (`landed`) or a refusal for a visit: it leaves the pending list in every tab. */
  #settle(id: string, landed: boolean): void {
    this.#s = reconcile.settle(this.#s, id, landed);
    this.#notify();
    void this.#run(() =>
      this.#save((r) => ({...r, pending: r.pending.filter((v) => v.id !== id)}))
    );
  }

  /**
   * Writes the mirror record of the current identity (a record of another identity is replaced:
   * the wipe), takes its pending visits and browser-only trail (other tabs' writes included), and
   * tells the other tabs. Runs inside {@link #run}.
   */
  async #save(change: (r: MirrorRecord) => MirrorRecord): Promise<void> {
    const identity = this.#s.identity;
    const record = await this.mirror.update(identity, change);
    if (identity !== this.#s.identity) return;
    this.#take(record);
    this.#channel.post({type: 'record', record});
  }

  #take(record: MirrorRecord): void {
    const next = reconcile.take(this.#s, record);
    if (!next) return;
    this.#s = next;
    this.#notify();
  }

  #fromTab(m: TabMessage): void {
    if (m.type === 'view') this.#accept(m.view, 'tab', {at: m.at, ended: m.ended});
    else {
      // With IndexedDB, read the shared record back (the message may be stale by now); with the
      // memory fallback there is nothing shared: take the message as it is.
      void this.#run(async () =>
        this.#take(this.mirror.store.kind === 'memory' ? m.record : await this.mirror.load())
      );
    }
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
