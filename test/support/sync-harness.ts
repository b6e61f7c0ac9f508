// Test helpers for the WebSocket hub: a running service on loopback, sessions made through the
// engine (or HTTP), and a recording ws client. Not a test file itself.
import {request} from 'node:http';
import {WebSocket, type ClientOptions} from 'ws';
import type {ServerMessage, SessionView} from '../../shared/index.js';
import {
  MemoryBus,
  MemoryStore,
  createSessionService,
  type ServiceOptions,
  type SessionContext,
  type SessionService,
} from '../../server/index.js';
import {MemoryUsers} from './memory-users.js';

/** The users every harness has: Admin is a superuser. */
export const USERS = {
  Admin: {password: 'admin-pw'},
  Bob: {password: 'bob-pw'},
  Carol: {password: 'carol-pw'},
};

/** A service listening on 127.0.0.1, its URL, and helpers bound to it. */
export interface Harness {
  service: SessionService;
  users: MemoryUsers;
  url: string;
  /** `ws://…/api/sync` */
  wsUrl: string;
  /** The server's own origin (what a page of this server sends). */
  origin: string;
  /** Logs a user in through the engine; returns the Cookie header value. */
  login(name: keyof typeof USERS, rememberMe?: boolean): Promise<string>;
  /** The engine's context for a Cookie header value (as an HTTP request would load it). */
  context(cookie: string): Promise<SessionContext>;
  /** Opens a recorded socket; `cookie` null for none. */
  connect(cookie: string | null, options?: ClientOptions): Promise<SyncClient>;
  close(): Promise<void>;
}

/** Starts a service with a memory store (unless the config says otherwise) and MemoryUsers. */
export async function startHarness(
  config: Record<string, unknown> = {},
  options: ServiceOptions = {}
): Promise<Harness> {
  const users = new MemoryUsers(USERS);
  const service = createSessionService(
    {store: 'memory:', log_level: 'silent', superuser: ['Admin'], ...config},
    {users, ...options}
  );
  const {url} = await service.listen(0, '127.0.0.1');
  const clients: SyncClient[] = [];
  const wsUrl = url.replace(/^http/, 'ws') + '/api/sync';
  return {
    service,
    users,
    url,
    wsUrl,
    origin: url,
    async login(name, rememberMe = false) {
      const ctx = await service.engine.load({cookie: undefined, secure: false, address: ''});
      await service.engine.login(ctx, name, USERS[name].password, rememberMe);
      if (!ctx.sid) throw new Error('login stored no session');
      return `${service.engine.cookieName}=${ctx.sid}`;
    },
    context(cookie) {
      return service.engine.load({cookie, secure: false, address: '127.0.0.1'});
    },
    async connect(cookie, opts = {}) {
      const c = await SyncClient.open(wsUrl, {
        origin: url,
        ...(cookie ? {headers: {cookie}} : {}),
        ...opts,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.ws.terminate();
      await service.close();
    },
  };
}

/** A ws client that records every server message and can wait for one. */
export class SyncClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  /** Resolves with the close code once the socket has closed. */
  readonly closed: Promise<number>;
  #waiters: {pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void}[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(m);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** Opens a socket and waits for the handshake (not for the first message). */
  static open(url: string, options: ClientOptions): Promise<SyncClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new SyncClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused with ${res.statusCode}`))
      );
      ws.once('error', reject);
    });
  }

  /** Sends an object as JSON, or a string as it is. */
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** The first message (received already or later) that matches; rejects after `ms`. */
  waitFor<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, ms?: number): Promise<T>;
  waitFor(pred: (m: ServerMessage) => boolean, ms?: number): Promise<ServerMessage>;
  waitFor(pred: (m: ServerMessage) => boolean, ms = 5000): Promise<ServerMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no matching message in ${ms} ms; got ${JSON.stringify(this.messages)}`)
          ),
        ms
      );
      this.#waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits for a session view that matches. */
  async view(pred: (v: SessionView) => boolean = () => true, ms?: number): Promise<SessionView> {
    const m = await this.waitFor((x) => x.type === 'session' && pred(x.session), ms);
    return (m as Extract<ServerMessage, {type: 'session'}>).session;
  }

  /** The session views received so far. */
  views(): SessionView[] {
    return this.messages.flatMap((m) => (m.type === 'session' ? [m.session] : []));
  }

  /** The newest session view received so far. */
  latest(): SessionView | undefined {
    return this.views().at(-1);
  }

  /** Sends a visit and waits for its ack or error. */
  async visit(id: string, page: string): Promise<ServerMessage> {
    this.send({type: 'visit', id, page});
    return this.waitFor((m) => (m.type === 'ack' || m.type === 'error') && m.id === id);
  }

  /** A ping/pong round trip: every frame sent before it has been handled. */
  async roundTrip(): Promise<void> {
    const before = this.messages.filter((m) => m.type === 'pong').length;
    this.send({type: 'ping'});
    await this.waitFor(() => this.messages.filter((m) => m.type === 'pong').length > before);
  }
}

/** Sends a raw upgrade request; resolves with the HTTP status (101 when upgraded) and body. */
export function rawUpgrade(
  url: string,
  path: string,
  headers: Record<string, string>
): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({status: res.statusCode ?? 0, body: ''});
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A memory store that can announce outside changes (like SQLite seeing the CLI) and counts ops. */
export class ObservableStore extends MemoryStore {
  readonly #listeners = new Set<(keys: string[] | null) => void>();
  /** Ops applied through mutate, by type. */
  readonly ops: Record<string, number> = {};
  /** Reads of a session (get). */
  reads = 0;

  override async get(...args: Parameters<MemoryStore['get']>) {
    this.reads++;
    return super.get(...args);
  }

  override async mutate(...args: Parameters<MemoryStore['mutate']>) {
    this.ops[args[1].type] = (this.ops[args[1].type] ?? 0) + 1;
    return super.mutate(...args);
  }

  // Optional only to match the base signature (MemoryStore takes no listener).
  override onExternalChange(listener?: (keys: string[] | null) => void): () => void {
    if (!listener) return () => {};
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the listeners that another process changed these sessions (null: maybe any). */
  announce(keys: string[] | null): void {
    for (const l of this.#listeners) l(keys);
  }
}

/** A memory bus whose resync (a cross-process bus reconnecting) a test can trigger. */
export class ResyncBus extends MemoryBus {
  readonly #resync = new Set<() => void>();

  override onResync(listener?: () => void): () => void {
    if (!listener) return () => {};
    this.#resync.add(listener);
    return () => this.#resync.delete(listener);
  }

  /** Acts as if the bus had reconnected after messages may have been lost. */
  resync(): void {
    for (const l of this.#resync) l();
  }
}
