// Helpers for the fault-injection tests: the built service in a child process (so it can be
// SIGKILLed), anonymous stored sessions over HTTP, and WebSocket clients that stream visits and
// remember exactly which ones the server acknowledged.
import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {WebSocket} from 'ws';
import {parseServerMessage, type ServerMessage, type SessionView} from '../../shared/index.js';
import {HttpClient} from './http-client.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/service-child.mjs', import.meta.url));

/** A service running in a child process. */
export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** What the child wrote on stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILL: no drain, no close, in-flight writes are cut off. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful stop. */
  stop(): Promise<void>;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Run as this user and group (root only): file permissions bind a non-root process. */
  as?: {uid: number; gid: number};
}

/** Starts test/fixtures/service-child.mjs with a config; resolves once it listens. */
export function startChild(
  config: Record<string, unknown>,
  options: ChildOptions = {}
): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.as ?? {}),
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8192)));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const gone = () => child.exitCode !== null || child.signalCode !== null;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const {url} = JSON.parse(out.slice(0, nl)) as {url: string};
      resolve({
        url,
        child,
        stderr: () => err,
        async kill() {
          if (!gone()) child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          if (!gone()) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`fault-server exited (${code}) early:\n${err}`));
    });
  });
}

/**
 * An anonymous stored session (config `cookie_lifetime[0] > 0`): the first answer sets a pending
 * token, the second stores the session and sets its id. Returns the Cookie header value.
 */
export async function storedAnonymousSession(url: string): Promise<string> {
  const c = new HttpClient(url);
  await c.get('/api/session');
  const r = await c.get<SessionView>('/api/session');
  if (r.status !== 200 || !r.json.stored) throw new Error(`no stored session: ${r.text}`);
  return c.cookieHeader();
}

/** The view for a Cookie header, read over HTTP. */
export async function viewOf(url: string, cookie: string): Promise<SessionView> {
  const r = await new HttpClient(url).get<SessionView>('/api/session', {cookie});
  if (r.status !== 200) throw new Error(`GET /api/session answered ${r.status}: ${r.text}`);
  return r.json;
}

/** One visit a client sends. */
export interface Visit {
  id: string;
  page: string;
}

/**
 * A WebSocket client that streams visits with at most `window` unacknowledged at a time (as the
 * real client's pending queue does) and records every server message.
 */
export class Visitor {
  readonly visits: Visit[];
  /** Every op id the server acknowledged, over all connections. */
  readonly acked = new Set<string>();
  /** The op ids acknowledged on the current connection. */
  ackedNow = new Set<string>();
  readonly messages: ServerMessage[] = [];
  #ws: WebSocket | null = null;
  #next = 0;
  #window = 8;
  #waiters: (() => void)[] = [];
  closed: Promise<number> = Promise.resolve(0);

  constructor(prefix: string, count: number) {
    this.visits = Array.from({length: count}, (_, i) => ({
      id: `${prefix}-${i}`,
      page: `Page-${prefix}-${i}`,
    }));
  }

  /** Connects with a session cookie; resolves on the first `session` message. */
  connect(url: string, cookie: string): Promise<void> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/sync', {
      headers: {cookie, origin: url},
    });
    this.#ws = ws;
    this.ackedNow = new Set();
    this.closed = new Promise((r) => ws.once('close', (code) => r(code)));
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data) => {
        const m = parseServerMessage(String(data));
        if (!m) return;
        this.messages.push(m);
        if (m.type === 'session') resolve();
        if (m.type === 'ack') {
          this.acked.add(m.id);
          this.ackedNow.add(m.id);
          this.#fill();
        }
        for (const w of this.#waiters.splice(0)) w();
      });
    });
  }

  /** Starts streaming every visit not sent yet (from the first, after {@link rewind}). */
  stream(window = 8): void {
    this.#window = window;
    this.#fill();
  }

  /** Forgets what was sent on the last socket: the next {@link stream} resends from the start. */
  rewind(): void {
    this.#next = 0;
  }

  /** Resolves when every visit is acknowledged on the current connection (rejects after `ms`). */
  allAcked(ms = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.ackedNow.size}/${this.visits.length} acked`)),
        ms
      );
      const check = () => {
        if (this.visits.every((v) => this.ackedNow.has(v.id))) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** Sends one raw frame. */
  send(text: string): void {
    this.#ws?.send(text);
  }

  close(): void {
    this.#ws?.close();
  }

  #fill(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const inFlight = () =>
      this.visits.slice(0, this.#next).filter((v) => !this.ackedNow.has(v.id)).length;
    while (this.#next < this.visits.length && inFlight() < this.#window) {
      const v = this.visits[this.#next++]!;
      ws.send(JSON.stringify({type: 'visit', id: v.id, page: v.page}));
    }
  }
}
