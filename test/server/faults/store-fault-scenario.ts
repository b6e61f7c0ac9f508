// The shared course of the disk-full and read-only tests: visits are stored, the fault comes,
// visits over HTTP and WebSocket are refused with store_unavailable (never acknowledged), the fault
// goes, visits are stored again, and after a restart the trail is exactly what was acknowledged.
import {expect} from 'vitest';
import type {ErrorBody, ServerMessage, SessionView} from '../../../shared/index.js';
import {HttpClient} from '../../support/http-client.js';
import {
  Visitor,
  startChild,
  storedAnonymousSession,
  viewOf,
  type ChildOptions,
  type ChildServer,
} from '../../support/fault-harness.js';

/** How one fault is brought about and taken away. */
export interface StoreFault {
  /** The database file's folder. */
  folder: string;
  /** How the server child runs. */
  child?: ChildOptions;
  /**
   * Brings the fault about; returns the URL to use next. It may restart the server: `restart`
   * stops it, calls `between`, starts it again and returns the new URL.
   */
  inject(server: ChildServer, restart: (between?: () => void) => Promise<string>): Promise<string>;
  /** Takes the fault away (the server keeps running). */
  heal(): void;
  /** What SQLite's code in the error sentence looks like. */
  sqliteCode: RegExp;
}

// Waits for the ack or error that answers a visit, or the socket's close code.
async function answerOf(v: Visitor, from: number, ms = 5000): Promise<ServerMessage | number> {
  let closed: number | null = null;
  void v.closed.then((code) => (closed = code));
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const m = v.messages.slice(from).find((x) => x.type === 'ack' || x.type === 'error');
    if (m) return m;
    if (closed !== null) return closed;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no answer to the visit');
}

const visit = (url: string, cookie: string, page: string) =>
  new HttpClient(url).post<SessionView | ErrorBody>('/api/trail', {page}, {cookie});

/** Runs the scenario; returns the last server (the caller stops it). */
export async function runStoreFault(fault: StoreFault, track: (s: ChildServer) => void) {
  const config = {
    store: `sqlite:${fault.folder}/sessions.db`,
    users_file: `${fault.folder}/users.json`,
    cookie_lifetime: [1, 12],
    trail_size: 1000,
    log_level: 'silent',
  };
  const start = async () => {
    const s = await startChild(config, fault.child);
    track(s);
    return s;
  };
  let server = await start();
  const cookie = await storedAnonymousSession(server.url);
  const stored: string[] = [];
  for (const page of ['Before1', 'Before2']) {
    expect((await visit(server.url, cookie, page)).status).toBe(200);
    stored.push(page);
  }

  const url = await fault.inject(server, async (between) => {
    await server.stop();
    between?.();
    server = await start();
    return server.url;
  });
  const socket = new Visitor('ws', 0);
  await socket.connect(url, cookie);
  for (const page of ['During1', 'During2', 'During3']) {
    const r = await visit(url, cookie, page);
    expect(r.status, r.text).toBe(503);
    const body = r.json as ErrorBody;
    expect(body.error.code).toBe('store_unavailable');
    // A clear sentence: which store and what SQLite said.
    expect(body.error.message).toContain('sessions.db');
    expect(body.error.message).toMatch(fault.sqliteCode);
  }
  // Health says the store cannot take writes, and why (docs/hardening.md).
  const health = await new HttpClient(url).get<ErrorBody>('/healthz');
  expect(health.status).toBe(503);
  expect(health.json.error.code).toBe('store_unavailable');
  expect(health.json.error.message).toMatch(fault.sqliteCode);
  const from = socket.messages.length;
  socket.send(JSON.stringify({type: 'visit', id: 'during-ws', page: 'DuringWs'}));
  const answer = await answerOf(socket, from);
  // Never an ack: an error frame, or the socket closed with 1011/1013.
  if (typeof answer === 'number') expect([1011, 1013]).toContain(answer);
  else expect(answer).toMatchObject({type: 'error', code: 'store_unavailable', id: 'during-ws'});
  // Reading still works, and nothing refused is visible.
  expect((await viewOf(url, cookie)).trail).toEqual(stored);

  fault.heal();
  for (const page of ['After1', 'After2']) {
    const r = await visit(url, cookie, page);
    expect(r.status, r.text).toBe(200);
    stored.push(page);
  }
  const again = new Visitor('again', 1);
  await again.connect(url, cookie);
  again.stream(1);
  await again.allAcked();
  stored.push(again.visits[0]!.page);
  socket.close();
  again.close();

  // What is on disk after a restart is exactly what was acknowledged, in order.
  await server.stop();
  server = await start();
  expect((await viewOf(server.url, cookie)).trail).toEqual(stored);
  expect((await new HttpClient(server.url).get('/healthz')).status).toBe(200);
}
