import {expect} from '@open-wc/testing';
import {
  SessionConnection,
  type ConnectionOptions,
} from '../../../client/connection/session-connection.js';
import {backoffDelay} from '../../../client/connection/timing.js';
import {MemoryKeyValueStore, type KeyValueStore} from '../../../client/mirror/key-value-store.js';
import {sessionKey} from '../../../client/mirror/keys.js';
import {SessionMirror, type MirrorRecord} from '../../../client/mirror/session-mirror.js';
import {tabsName} from '../../../client/tabs/tab-channel.js';
import type {SessionView} from '../../../shared/index.js';
import {FakeSocket} from '../support/fake-socket.js';
import {FakeServer, json, userView, view} from '../support/fake-server.js';
import {eventually, uniqueEndpoint} from '../support/setup.js';

const FAST = {minDelayMs: 20, maxDelayMs: 40, refusedMaxDelayMs: 40};
const open: SessionConnection[] = [];

/** A started connection on `endpoint` with a fake server and sockets and a memory store. */
function connect(
  server: FakeServer,
  options: ConnectionOptions & {endpoint?: string} = {}
): SessionConnection {
  const endpoint = new URL(options.endpoint ?? uniqueEndpoint(), location.href).href;
  const c = new SessionConnection(endpoint, {
    fetch: server.fetch,
    WebSocket: FakeSocket as unknown as ConnectionOptions['WebSocket'],
    store: new MemoryKeyValueStore(),
    timing: FAST,
    ...options,
  });
  open.push(c);
  c.acquire();
  return c;
}

/** Waits for the next socket and sends it `v` as its first message. */
async function socketSays(v: SessionView, count = FakeSocket.all.length + 1): Promise<FakeSocket> {
  await eventually(() => expect(FakeSocket.all.length).to.equal(count));
  return FakeSocket.last.session(v);
}

async function record(
  store: KeyValueStore,
  c: SessionConnection
): Promise<MirrorRecord | undefined> {
  return store.get<MirrorRecord>(sessionKey(c.endpoint));
}

describe('SessionConnection', () => {
  beforeEach(() => FakeSocket.reset());
  afterEach(() => open.splice(0).forEach((c) => c.dispose()));

  describe('backoffDelay', () => {
    it('starts at 1 s, doubles, keeps within ±50 % and stops at the cap', () => {
      expect(backoffDelay(0, 1000, 5000, () => 0)).to.equal(500);
      expect(backoffDelay(0, 1000, 5000, () => 0.999)).to.equal(1499);
      expect(backoffDelay(1, 1000, 5000, () => 0.5)).to.equal(2000);
      expect(backoffDelay(2, 1000, 5000, () => 0.5)).to.equal(4000);
      expect(backoffDelay(3, 1000, 5000, () => 0.5)).to.equal(5000);
      expect(backoffDelay(50, 1000, 30_000, () => 0.9)).to.equal(30_000);
    });
  });

  describe('connecting', () => {
    it('gets the session with credentials, then opens {endpoint}/sync as ws:', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const c = connect(server);
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      expect(server.requests('GET /session')[0]!.credentials).to.equal('include');
      expect(FakeSocket.last.url).to.equal(c.endpoint.replace(/^http/, 'ws') + '/sync');
    });

    it('asks twice when the first answer stores nothing, so an anonymous session can start', async () => {
      const server = new FakeServer();
      let calls = 0;
      server.on('GET /session', () => json(++calls === 1 ? view() : view({stored: true, rev: 1})));
      const c = connect(server);
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      expect(calls).to.equal(2);
      expect(c.state.view!.stored).to.equal(true);
    });

    it('resets the backoff only after the first session message, not on open', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const random = () => 0.5;
      connect(server, {
        random,
        timing: {minDelayMs: 40, maxDelayMs: 10_000, refusedMaxDelayMs: 10_000},
      });
      // Three sockets that open and close at once: the waits grow (40, 80, 160 ms).
      const started: number[] = [];
      for (let i = 1; i <= 3; i++) {
        await eventually(() => expect(FakeSocket.all.length).to.equal(i));
        started.push(performance.now());
        FakeSocket.last.open().drop();
      }
      await eventually(() => expect(FakeSocket.all.length).to.equal(4));
      started.push(performance.now());
      expect(started[3]! - started[2]!).to.be.greaterThan(140);
      // A session message resets it: the next failure waits the minimum again.
      FakeSocket.last.session(userView('Alice')).drop();
      const t = performance.now();
      await eventually(() => expect(FakeSocket.all.length).to.equal(5));
      expect(performance.now() - t).to.be.lessThan(140);
    });

    // Offline with a one-minute back-off, then `wake`: only the wake can bring a second socket.
    const reconnectsAtOnceOn = async (wake: () => void) => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const c = connect(server, {
        timing: {minDelayMs: 60_000, maxDelayMs: 60_000, refusedMaxDelayMs: 60_000},
      });
      await socketSays(userView('Alice'));
      FakeSocket.last.drop();
      await eventually(() => expect(c.state.status).to.equal('offline'));
      wake();
      await eventually(() => expect(FakeSocket.all.length).to.equal(2));
    };

    it('reconnects at once on `online`', async () => {
      await reconnectsAtOnceOn(() => dispatchEvent(new Event('online')));
    });

    it('reconnects at once when the tab becomes visible again', async () => {
      await reconnectsAtOnceOn(() => document.dispatchEvent(new Event('visibilitychange')));
    });

    it('checks the cookie when the tab becomes visible while the socket is up', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      connect(server);
      await socketSays(userView('Alice'));
      const before = server.requests('GET /session').length;
      // Another tab logged in as Bob with a plain form post: only the cookie knows.
      server.session = userView('Bob');
      document.dispatchEvent(new Event('visibilitychange'));
      await eventually(() =>
        expect(server.requests('GET /session').length).to.be.greaterThan(before)
      );
      await eventually(() => expect(FakeSocket.all.length).to.equal(2));
    });

    it('pings after silence and gives a silent socket up', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const c = connect(server, {timing: {...FAST, pingAfterMs: 60, deadAfterMs: 200}});
      const socket = await socketSays(userView('Alice'));
      await eventually(() => expect(socket.sent.some((f) => f.type === 'ping')).to.equal(true));
      socket.receive({type: 'pong'});
      await eventually(() => expect(c.state.status).to.equal('offline'), 1000);
      await eventually(() => expect(FakeSocket.all.length).to.equal(2));
    });

    it('refreshes the cookie halfway to its expiry while the page stays open', async () => {
      const server = new FakeServer();
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      server.session = {...userView('Alice'), expiresAt};
      // Capture the long timers the connection schedules instead of waiting half an hour.
      const long: {ms: number; run: () => void}[] = [];
      const realSetTimeout = window.setTimeout;
      window.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
        if ((ms ?? 0) >= 60_000) long.push({ms: ms!, run: fn});
        return realSetTimeout(fn, ms, ...rest);
      }) as typeof window.setTimeout;
      try {
        connect(server);
        await socketSays(server.session);
        await eventually(() => expect(long.length).to.be.greaterThan(0));
      } finally {
        window.setTimeout = realSetTimeout;
      }
      const refresh = long[long.length - 1]!;
      expect(refresh.ms).to.be.within(1_790_000, 1_800_000);
      const before = server.requests('GET /session').length;
      refresh.run();
      await eventually(() => expect(server.requests('GET /session').length).to.equal(before + 1));
    });

    it('closes the socket when the last user releases it', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const c = connect(server);
      const socket = await socketSays(userView('Alice'));
      c.release();
      await eventually(() => expect(socket.readyState).to.equal(3));
      await new Promise((r) => setTimeout(r, 100));
      expect(FakeSocket.all.length).to.equal(1);
    });
  });

  describe('visits', () => {
    it('writes a visit to the mirror before sending it, and removes it on ack', async () => {
      const server = new FakeServer();
      server.session = userView('Alice', ['A']);
      const store = new MemoryKeyValueStore();
      const c = connect(server, {store});
      const socket = await socketSays(server.session);
      let storedAtSend: Promise<MirrorRecord | undefined> | null = null;
      socket.onsend = (f) => {
        if (f.type === 'visit') storedAtSend = record(store, c);
      };
      c.visit('B');
      await eventually(() => expect(socket.visits().length).to.equal(1));
      const [sent] = socket.visits();
      expect((await storedAtSend!)!.pending).to.deep.equal([{id: sent!.id, page: 'B'}]);
      expect(sent!.id).to.match(/^[A-Za-z0-9_.:-]{1,64}$/);
      expect(c.state.trail).to.deep.equal(['A', 'B']);
      socket.receive({type: 'ack', id: sent!.id});
      await eventually(async () => expect((await record(store, c))!.pending).to.deep.equal([]));
      // Acked but not yet in a pushed view: still shown, no flicker.
      expect(c.state.trail).to.deep.equal(['A', 'B']);
      socket.session(userView('Alice', ['A', 'B'], 2));
      expect(c.state.trail).to.deep.equal(['A', 'B']);
    });

    it('resends pending visits in order with the same ids after a reload', async () => {
      const server = new FakeServer().on('GET /session', () =>
        Promise.reject(new TypeError('down'))
      );
      const store = new MemoryKeyValueStore();
      const endpoint = uniqueEndpoint();
      const first = connect(server, {store, endpoint});
      await first.ready;
      // The mirror knows the session from an earlier page; the server is down now.
      await first.mirror.update('s:Alice', (r) => ({...r, view: userView('Alice', ['A'])}));
      first.dispose();
      const second = connect(server, {store, endpoint});
      second.visit('X');
      await eventually(() => expect(second.state.trail).to.deep.equal(['A', 'X']));
      second.visit('Y');
      await eventually(async () =>
        expect((await record(store, second))!.pending.length).to.equal(2)
      );
      const ids = (await record(store, second))!.pending.map((v) => v.id);
      second.dispose();
      // Reload: the server is back.
      server.on('GET /session', () => json(userView('Alice', ['A'])));
      const third = connect(server, {store, endpoint});
      const socket = await socketSays(userView('Alice', ['A']));
      await eventually(() => expect(socket.visits().length).to.equal(2));
      expect(socket.visits()).to.deep.equal([
        {type: 'visit', id: ids[0], page: 'X'},
        {type: 'visit', id: ids[1], page: 'Y'},
      ]);
      expect(third.state.trail).to.deep.equal(['A', 'X', 'Y']);
    });

    it('keeps a browser-only trail while the server stores nothing, and never sends it', async () => {
      const server = new FakeServer();
      const store = new MemoryKeyValueStore();
      const c = connect(server, {store});
      const socket = await socketSays(view());
      c.visit('One');
      c.visit('Two');
      await eventually(() => expect(c.state.trail).to.deep.equal(['One', 'Two']));
      expect(socket.visits()).to.deep.equal([]);
      expect((await record(store, c))!.local).to.deep.equal(['One', 'Two']);
    });

    it('drops a visit the server refuses', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const c = connect(server);
      const socket = await socketSays(server.session);
      c.visit('Bad');
      await eventually(() => expect(socket.visits().length).to.equal(1));
      socket.receive({
        type: 'error',
        id: socket.visits()[0]!.id,
        code: 'invalid_page',
        message: 'no',
      });
      await eventually(() => expect(c.state.trail).to.deep.equal([]));
    });

    it('keeps a visit pending when its session moved (no_session) and sends it on the next socket', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const c = connect(server);
      const socket = await socketSays(server.session);
      c.visit('Moved');
      await eventually(() => expect(socket.visits().length).to.equal(1));
      const {id} = socket.visits()[0]!;
      socket.receive({type: 'error', id, code: 'no_session', message: 'gone'});
      expect(c.state.trail).to.deep.equal(['Moved']);
      socket.drop();
      const next = await socketSays(server.session);
      await eventually(() =>
        expect(next.visits()).to.deep.equal([{type: 'visit', id, page: 'Moved'}])
      );
    });
  });

  describe('identity', () => {
    it('wipes the previous identity from memory and mirror when the session ends, and rebinds', async () => {
      const server = new FakeServer();
      server.session = userView('Alice', ['Secret']);
      const store = new MemoryKeyValueStore();
      const c = connect(server, {store});
      const socket = await socketSays(server.session);
      await eventually(async () =>
        expect((await record(store, c))?.view?.trail).to.deep.equal(['Secret'])
      );
      server.session = view();
      socket.session(view());
      expect(c.state.trail).to.deep.equal([]);
      await eventually(() => expect(FakeSocket.all.length).to.equal(2));
      await eventually(async () =>
        expect(JSON.stringify((await record(store, c)) ?? {})).to.not.contain('Secret')
      );
    });

    it('wipes the browser-only trail at login and rebinds the socket to the new cookie', async () => {
      const server = new FakeServer();
      const store = new MemoryKeyValueStore();
      const c = connect(server, {store});
      await socketSays(view());
      c.visit('AnonPage');
      await eventually(() => expect(c.state.trail).to.deep.equal(['AnonPage']));
      server.on('POST /login', () => json(userView('Bob', ['ServerKept'])));
      server.session = userView('Bob', ['ServerKept']);
      await c.login('Bob', 'pw', true);
      expect(server.requests('POST /login')[0]!.body).to.deep.equal({
        name: 'Bob',
        password: 'pw',
        remember_me: true,
      });
      expect(c.state.trail).to.deep.equal(['ServerKept']);
      await eventually(() => expect(FakeSocket.all.length).to.equal(2));
      await eventually(async () =>
        expect(JSON.stringify(await record(store, c))).to.not.contain('AnonPage')
      );
    });

    it('keeps the trail across a change of user (one session, as 1.9)', async () => {
      const server = new FakeServer();
      server.session = userView('Admin', ['A']);
      const c = connect(server);
      const socket = await socketSays(server.session);
      socket.session({...userView('Bob', ['A'], 2), realUser: {name: 'Admin'}});
      expect(c.state.trail).to.deep.equal(['A']);
      expect(c.state.serverView!.realUser!.name).to.equal('Admin');
      await new Promise((r) => setTimeout(r, 50));
      expect(FakeSocket.all.length).to.equal(1);
    });

    it('carries visits of an anonymous session into the login, also when the old socket ends first', async () => {
      const server = new FakeServer();
      server.session = view({stored: true, rev: 1});
      const c = connect(server);
      const anon = await socketSays(server.session);
      c.visit('Before');
      await eventually(() => expect(anon.visits().length).to.equal(1));
      const {id} = anon.visits()[0]!;
      // Applied to the anonymous session (acked) after the login copied it: the server lost it.
      anon.receive({type: 'ack', id});
      anon.session(view());
      server.session = userView('Alice', []);
      server.on('POST /login', () => json(userView('Alice', [])));
      await c.login('Alice', 'pw');
      const next = await socketSays(userView('Alice', []), 2);
      await eventually(() =>
        expect(next.visits()).to.deep.equal([{type: 'visit', id, page: 'Before'}])
      );
      expect(c.state.trail).to.deep.equal(['Before']);
    });

    it("gives this page's visit to whoever the server says the cookie is, though the mirror was behind", async () => {
      const store = new MemoryKeyValueStore();
      const endpoint = uniqueEndpoint();
      const abs = new URL(endpoint, location.href).href;
      // The previous page unloaded before it could write the login: the mirror still says anonymous.
      await new SessionMirror(abs, store).update('n:', (r) => ({...r, view: view()}));
      const server = new FakeServer();
      server.session = userView('Alice', ['Old']);
      const c = connect(server, {store, endpoint});
      c.visit('Now');
      const socket = await socketSays(server.session);
      await eventually(() => expect(socket.visits().map((v) => v.page)).to.deep.equal(['Now']));
      expect(c.state.trail).to.deep.equal(['Old', 'Now']);
    });

    it('sends one API request at a time, so a late answer cannot set an older cookie', async () => {
      const server = new FakeServer();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      server.on('GET /session', async () => {
        await gate;
        return json(userView('Alice'));
      });
      server.on('POST /login', () => json(userView('Bob')));
      const c = connect(server);
      await eventually(() => expect(server.requests('GET /session').length).to.equal(1));
      const login = c.login('Bob', 'pw');
      await new Promise((r) => setTimeout(r, 30));
      expect(server.requests('POST /login').length).to.equal(0);
      release();
      await login;
      expect(server.seen.map((r) => r.method)).to.deep.equal(['GET', 'POST']);
      expect(c.state.view!.user!.name).to.equal('Bob');
    });

    it('resolves login only once the new identity is in the mirror', async () => {
      const server = new FakeServer();
      const store = new MemoryKeyValueStore();
      const c = connect(server, {store});
      await socketSays(view());
      server.on('POST /login', () => json(userView('Carol', ['X'])));
      await c.login('Carol', 'pw');
      expect((await record(store, c))!.identity).to.equal('s:Carol');
    });

    it('keeps a login answered after the socket opened, and rebinds the socket, whose first view is older', async () => {
      const server = new FakeServer();
      server.session = view({stored: true, rev: 1});
      const c = connect(server);
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      const early = FakeSocket.last;
      await new Promise((r) => setTimeout(r, 5));
      server.session = userView('Alice', ['A']);
      server.on('POST /login', () => json(server.session));
      await c.login('Alice', 'pw');
      // The upgrade carried the anonymous cookie: its first view answers that one.
      early.session(view({stored: true, rev: 1}));
      expect(c.state.view!.user!.name).to.equal('Alice');
      await socketSays(server.session, 2);
      expect(c.state.view!.user!.name).to.equal('Alice');
    });

    it('ignores a view older than the one it has', async () => {
      const server = new FakeServer();
      server.session = userView('Alice', ['New'], 5);
      const c = connect(server);
      const socket = await socketSays(server.session);
      socket.session(userView('Alice', ['Old'], 4));
      expect(c.state.trail).to.deep.equal(['New']);
    });
  });

  describe('tabs', () => {
    it('shares views, visits and wipes with another tab within a second, server or not', async () => {
      const endpoint = uniqueEndpoint();
      const store = new MemoryKeyValueStore();
      const server = new FakeServer();
      server.session = userView('Alice', ['A']);
      const tabA = connect(server, {endpoint, store});
      await socketSays(server.session);
      // B's requests hang until they time out; each holds the tabs' API lock meanwhile.
      const down = new FakeServer().on('GET /session', () => 'hang');
      const tabB = connect(down, {endpoint, store, timing: {...FAST, requestTimeoutMs: 200}});
      await tabB.ready;
      // A view A got from the server reaches B.
      FakeSocket.last.session(userView('Alice', ['A', 'B'], 2));
      await eventually(() => expect(tabB.state.trail).to.deep.equal(['A', 'B']), 1000);
      // A visit in B (which cannot reach the server) shows in A at once.
      tabB.visit('FromB');
      await eventually(() => expect(tabA.state.trail).to.deep.equal(['A', 'B', 'FromB']), 1000);
      // A logs out: B forgets Alice at once.
      server.on('POST /logout', () => json(view()));
      server.session = view();
      await tabA.logout();
      await eventually(() => expect(tabB.state.trail).to.deep.equal([]), 1000);
      expect(tabB.state.view!.user).to.equal(null);
    });

    it("sends no API request while another tab's call is under way, so a late answer cannot undo its login", async () => {
      const endpoint = uniqueEndpoint();
      const server = new FakeServer();
      server.session = view({stored: true, rev: 1});
      const tabA = connect(server, {endpoint});
      await socketSays(server.session);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let answered = false;
      let sentDuringLogin = 0;
      server.on('POST /login', async () => {
        await gate;
        server.session = userView('Alice');
        answered = true;
        return json(server.session);
      });
      server.on('GET /session', () => {
        if (!answered) sentDuringLogin++;
        return json(server.session);
      });
      const login = tabA.login('Alice', 'pw');
      await eventually(() => expect(server.requests('POST /login').length).to.equal(1));
      const tabB = connect(server, {endpoint});
      await new Promise((r) => setTimeout(r, 50));
      release();
      await login;
      await eventually(() => expect(tabB.state.view?.user?.name).to.equal('Alice'));
      expect(sentDuringLogin).to.equal(0);
    });

    it('still talks to the server where the page may not take a Web Lock (a sandboxed frame)', async () => {
      const real = Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')!;
      const denied = () => Promise.reject(new DOMException('denied', 'SecurityError'));
      Object.defineProperty(navigator, 'locks', {value: {request: denied}, configurable: true});
      try {
        const server = new FakeServer();
        server.session = userView('Alice');
        const c = connect(server);
        await socketSays(server.session);
        expect(c.state.view!.user!.name).to.equal('Alice');
        server.on('POST /login', () =>
          json({error: {code: 'invalid_credentials', message: 'no'}}, 401)
        );
        const refused = await c.login('Alice', 'wrong').catch((e: Error & {code: string}) => e);
        expect((refused as {code: string}).code).to.equal('invalid_credentials');
      } finally {
        delete (navigator as {locks?: unknown}).locks;
        expect(Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')).to.deep.equal(real);
      }
    });

    it('keeps a login answered over HTTP when another tab then relays that the session before it ended', async () => {
      const server = new FakeServer();
      server.session = view({stored: true, rev: 1});
      const c = connect(server);
      await socketSays(server.session);
      server.session = userView('Alice', ['A']);
      server.on('POST /login', () => json(server.session));
      await c.login('Alice', 'pw');
      const shown: (string | null)[] = [];
      c.subscribe(() => shown.push(c.state.view?.user?.name ?? null));
      // Another tab's socket, still bound to the anonymous session the login moved, says it ended.
      const otherTab = new BroadcastChannel(tabsName(c.endpoint));
      otherTab.postMessage({type: 'view', view: view(), ended: 's:'});
      await new Promise((r) => setTimeout(r, 100));
      otherTab.close();
      expect(shown).to.not.include(null);
      expect(c.state.view!.user!.name).to.equal('Alice');
    });
  });
});
