import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {WebSocket} from 'ws';
import {
  MAX_FRAME_BYTES,
  OP_ID_PATTERN,
  parseClientMessage,
  type ServerMessage,
} from '../../../shared/index.js';
import {sessionKey} from '../../../server/session/ids.js';
import type {SessionRecord} from '../../../server/store/types.js';
import {PASSWORDS, startService, type TestService} from '../../support/test-service.js';
import {frameText} from './frame-arbitraries.js';
import {fuzzParams} from '../../support/fuzz-params.js';
import {cookieHeader} from './http-arbitraries.js';

const COOKIE = 'MOIN_SESSION';
type Answer = ServerMessage | {closed: number};

/** A socket that answers "what came back for the frame I just sent". */
class FuzzSocket {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  closeCode: number | null = null;
  #wake: (() => void) | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => {
      this.messages.push(JSON.parse(String(d)) as ServerMessage);
      this.#wake?.();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.#wake?.();
    });
  }

  /** Opens a socket (with these upgrade headers) and waits for its first view. */
  static async open(wsUrl: string, headers: Record<string, string>): Promise<FuzzSocket> {
    const s = new FuzzSocket(new WebSocket(wsUrl, {headers}));
    await s.next(0);
    return s;
  }

  /** Sends a frame and resolves with the first answer to it (not a pushed view) or the close. */
  async send(data: string | Buffer): Promise<Answer> {
    const from = this.messages.length;
    this.ws.send(data, {binary: Buffer.isBuffer(data)});
    return this.next(from, (m) => m.type !== 'session');
  }

  next(from: number, want: (m: ServerMessage) => boolean = () => true): Promise<Answer> {
    return new Promise((resolve, reject) => {
      // Generous: under a loaded machine an fsync alone can take seconds.
      const timer = setTimeout(
        () =>
          reject(new Error(`no answer within 15 s; last: ${JSON.stringify(this.messages.at(-1))}`)),
        15_000
      );
      const check = () => {
        const m = this.messages.slice(from).find(want);
        if (m || this.closeCode !== null) {
          clearTimeout(timer);
          this.#wake = null;
          resolve(m ?? {closed: this.closeCode!});
        }
      };
      this.#wake = check;
      check();
    });
  }
}

// The frames the fuzz may send on a live session: everything the validator refuses, and pings.
const refusedOrPing = (t: string) => {
  const r = parseClientMessage(t);
  return !r.ok || r.message.type === 'ping';
};

describe('the WebSocket under fuzzing', () => {
  let svc: TestService;
  let wsUrl: string;
  let aliceCookie: string;
  let aliceKey: string;
  let before: SessionRecord | undefined;

  beforeAll(async () => {
    svc = await startService({visit_rate: 100_000, visit_burst: 100_000});
    wsUrl = svc.url.replace(/^http/, 'ws') + '/api/sync';
    const alice = svc.client();
    await alice.post('/api/login', {name: 'Alice', password: PASSWORDS.Alice});
    for (const page of ['A1', 'A2']) await alice.post('/api/trail', {page});
    aliceCookie = alice.cookieHeader();
    aliceKey = sessionKey(alice.cookies.get(COOKIE)!);
    before = await svc.service.store.get(aliceKey, svc.clock.now());
    expect(before?.trail).toEqual(['A1', 'A2']);
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('answers 2,000 bad frames with error frames and never changes the session', async () => {
    const headers = {origin: svc.url, cookie: aliceCookie};
    let socket = await FuzzSocket.open(wsUrl, headers);
    // A well-behaved client on another session sends valid visits in parallel the whole time.
    const root = svc.client();
    await root.post('/api/login', {name: 'Root', password: PASSWORDS.Root});
    const good = await FuzzSocket.open(wsUrl, {origin: svc.url, cookie: root.cookieHeader()});
    let stop = false;
    let acked = 0;
    const worker = (async () => {
      for (let i = 0; !stop; i++) {
        expect(
          await good.send(JSON.stringify({type: 'visit', id: `w-${i}`, page: `W${i}`}))
        ).toEqual({type: 'ack', id: `w-${i}`});
        acked++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const frame = fc.oneof(
      {weight: 10, arbitrary: frameText().filter(refusedOrPing)},
      fc.uint8Array({maxLength: 64}).map((a) => Buffer.from(a)),
      fc.integer({min: MAX_FRAME_BYTES + 1, max: MAX_FRAME_BYTES * 3}).map((n) => 'x'.repeat(n))
    );
    try {
      await fc.assert(
        fc.asyncProperty(frame, async (data) => {
          const answer = await socket.send(data);
          if ('closed' in answer) {
            // Only an oversized frame may close the socket, with 1009; the client reconnects.
            expect(Buffer.byteLength(data)).toBeGreaterThan(MAX_FRAME_BYTES);
            expect(answer.closed).toBe(1009);
            socket = await FuzzSocket.open(wsUrl, headers);
            return;
          }
          if (typeof data === 'string' && parseClientMessage(data).ok) {
            expect(answer).toEqual({type: 'pong'});
            return;
          }
          expect(answer.type).toBe('error');
          if (answer.type !== 'error') return;
          expect(['bad_message', 'invalid_page']).toContain(answer.code);
          expect(answer.message.length).toBeGreaterThan(5);
          if (answer.id !== undefined) expect(answer.id).toMatch(OP_ID_PATTERN);
        }),
        fuzzParams(2000)
      );
    } finally {
      stop = true;
      await worker;
    }
    expect(acked).toBeGreaterThan(10);
    expect(await svc.service.store.get(aliceKey, svc.clock.now())).toEqual(before);
    const view = await root.get<{trail: string[]}>('/api/session');
    expect(view.json.trail.at(-1)).toBe(`W${acked - 1}`);
    socket.ws.close();
    good.ws.close();
  }, 120_000);

  it('refuses or accepts hostile upgrades without a 500 and without adopting a session', async () => {
    const liveIds = [aliceCookie.split('=')[1]!];
    const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(fc.constant(svc.url), fc.string({maxLength: 30}))),
        fc.option(cookieHeader(liveIds)),
        async (origin, cookie) => {
          const headers: Record<string, string> = {};
          if (origin !== null) headers['origin'] = headerSafe(origin);
          if (cookie !== null) headers['cookie'] = headerSafe(cookie);
          const outcome = await new Promise<number | ServerMessage>((resolve, reject) => {
            const ws = new WebSocket(wsUrl, {headers});
            ws.once('unexpected-response', (_req, res) => {
              resolve(res.statusCode ?? 0);
              res.resume();
            });
            ws.once('message', (d) => {
              resolve(JSON.parse(String(d)) as ServerMessage);
              ws.close();
            });
            ws.once('error', reject);
          });
          if (typeof outcome === 'number') {
            expect(outcome).toBeGreaterThanOrEqual(400);
            expect(outcome).toBeLessThan(500);
          } else {
            // Opened: never anyone's session but the anonymous view.
            expect(outcome).toMatchObject({type: 'session', session: {user: null, stored: false}});
          }
        }
      ),
      fuzzParams(300)
    );
    expect(await svc.service.store.get(aliceKey, svc.clock.now())).toEqual(before);
  }, 60_000);
});
