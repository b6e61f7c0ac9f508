import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {
  Visitor,
  startChild,
  storedAnonymousSession,
  viewOf,
  type ChildServer,
} from '../../support/fault-harness.js';

const SESSIONS = 10;
const SOCKETS_PER_SESSION = 2;
// 2 × 100 visits per session stays under the 256 op ids a session remembers, so every resend
// below must be recognised.
const VISITS_PER_SOCKET = 100;
const KILL_AFTER_ACKS = 400;

// The pages of one visitor, in trail order.
const pagesOf = (trail: string[], v: Visitor) => {
  const mine = new Set(v.visits.map((x) => x.page));
  return trail.filter((p) => mine.has(p));
};

describe('SIGKILL during a stream of visits from 20 sockets', () => {
  let dir: TempDir;
  let server: ChildServer | null = null;

  beforeEach(async () => {
    dir = await makeTempDir('moin-fault-kill-');
  });
  afterEach(async () => {
    await server?.stop();
    await dir.cleanup();
  });

  it(
    'keeps every acknowledged visit, in order, and applies none twice after a restart',
    {timeout: 60_000},
    async () => {
      const config = {
        store: `sqlite:${dir.file('sessions.db')}`,
        users_file: dir.file('users.json'),
        // Anonymous sessions are stored (1 hour), so no login is needed for 10 sessions.
        cookie_lifetime: [1, 12],
        trail_size: 1000,
        visit_rate: 100_000,
        visit_burst: 100_000,
        log_level: 'silent',
      };
      server = await startChild(config);
      const url = server.url;
      const cookies = await Promise.all(
        Array.from({length: SESSIONS}, () => storedAnonymousSession(url))
      );
      const visitors = cookies.flatMap((cookie, s) =>
        Array.from({length: SOCKETS_PER_SESSION}, (_, c) => ({
          cookie,
          v: new Visitor(`s${s}c${c}`, VISITS_PER_SOCKET),
        }))
      );
      await Promise.all(visitors.map(({cookie, v}) => v.connect(url, cookie)));
      for (const {v} of visitors) v.stream(8);

      // Kill once a good part of the stream is acknowledged and the rest is in flight.
      const acks = () => visitors.reduce((n, {v}) => n + v.acked.size, 0);
      const deadline = Date.now() + 15_000;
      while (acks() < KILL_AFTER_ACKS) {
        if (Date.now() > deadline)
          throw new Error(`only ${acks()} acks in 15 s: ${server.stderr()}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      await server.kill();
      const ackedAtKill = acks();
      expect(ackedAtKill).toBeLessThan(SESSIONS * SOCKETS_PER_SESSION * VISITS_PER_SOCKET);

      server = await startChild(config);
      const restarted = server.url;
      for (const [s, cookie] of cookies.entries()) {
        const view = await viewOf(restarted, cookie);
        expect(view.stored).toBe(true);
        for (const {v} of visitors.filter((x) => x.cookie === cookie)) {
          const applied = pagesOf(view.trail, v);
          // Applied in the order sent: a prefix of the visitor's stream ...
          expect(applied).toEqual(v.visits.slice(0, applied.length).map((x) => x.page));
          // ... that holds every acknowledged visit.
          const lastAcked = Math.max(
            -1,
            ...v.visits.flatMap((x, i) => (v.acked.has(x.id) ? [i] : []))
          );
          expect(applied.length, `session ${s}, visitor ${v.visits[0]!.id}`).toBeGreaterThan(
            lastAcked
          );
        }
        // rev is 1 at creation and grows by one per page applied: nothing was applied twice.
        expect(view.rev).toBe(1 + view.trail.length);
      }

      // The clients reconnect and resend everything they ever sent, with the same op ids.
      const before = await Promise.all(cookies.map((c) => viewOf(restarted, c)));
      await Promise.all(visitors.map(({cookie, v}) => v.connect(restarted, cookie)));
      for (const {v} of visitors) {
        v.rewind();
        v.stream(8);
      }
      await Promise.all(visitors.map(({v}) => v.allAcked()));
      for (const [s, cookie] of cookies.entries()) {
        const view = await viewOf(restarted, cookie);
        // What was applied before the kill did not move: the resends of it were recognised.
        expect(view.trail.slice(0, before[s]!.trail.length)).toEqual(before[s]!.trail);
        for (const {v} of visitors.filter((x) => x.cookie === cookie)) {
          expect(pagesOf(view.trail, v)).toEqual(v.visits.map((x) => x.page));
        }
        expect(view.trail).toHaveLength(SOCKETS_PER_SESSION * VISITS_PER_SOCKET);
        expect(view.rev).toBe(1 + view.trail.length);
      }
      for (const {v} of visitors) v.close();
    }
  );
});
