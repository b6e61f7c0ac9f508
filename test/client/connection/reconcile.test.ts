import {expect} from '@open-wc/testing';
import {
  LANDED_KEPT,
  accept,
  initialState,
  own,
  settle,
  shownTrail,
  take,
  withPending,
  type Accepted,
  type LocalState,
  type Source,
  type ViewFacts,
} from '../../../client/connection/reconcile.js';
import {identityOf} from '../../../client/connection/trail-view.js';
import type {PendingVisit} from '../../../client/connection/types.js';
import type {SessionView} from '../../../shared/index.js';
import {userView, view} from '../support/fake-server.js';

const CARRY_MS = 10_000;
const NOW = 1_000_000;

/** A state that shows `v`, as if it had come from `source` (`mirror`: not from the server). */
function showing(v: SessionView, over: Partial<LocalState> = {}, source: Source = 'http') {
  return {
    ...initialState(),
    view: v,
    identity: identityOf(v),
    serverView: source === 'mirror' ? null : v,
    ...over,
  };
}

const visit = (id: string, page = id): PendingVisit => ({id, page});
const anonymous = (rev = 1, trail: string[] = []) => view({stored: true, rev, trail});
const notStored = view();

/** `accept` of one view, failing the test when it is ignored. */
function applied(
  s: LocalState,
  v: SessionView,
  source: Source,
  {fresh = false, now = NOW} = {}
): Accepted {
  const a = accept(s, v, source, {fresh}, now, CARRY_MS);
  if (!a) throw new Error('the view was ignored');
  return a;
}

describe('reconcile', () => {
  describe('accept: which view wins', () => {
    const alice2 = userView('Alice', ['A'], 2);
    const cases: {
      name: string;
      state: LocalState;
      view: SessionView;
      source: Source;
      facts?: ViewFacts;
      wins: boolean;
    }[] = [
      {
        name: 'the mirror paints an empty page',
        state: initialState(),
        view: alice2,
        source: 'mirror',
        wins: true,
      },
      {
        name: 'the mirror never replaces a view',
        state: showing(userView('Alice', [], 1), {}, 'mirror'),
        view: alice2,
        source: 'mirror',
        wins: false,
      },
      {
        name: "a server view replaces the mirror's",
        state: showing(alice2, {}, 'mirror'),
        view: userView('Alice', [], 2),
        source: 'http',
        wins: true,
      },
      {
        name: "a server view with a lower rev than the mirror's is stale too",
        state: showing(alice2, {}, 'mirror'),
        view: userView('Alice', [], 1),
        source: 'http',
        wins: false,
      },
      {
        name: 'a lower rev of the same identity is stale (http)',
        state: showing(alice2),
        view: userView('Alice', [], 1),
        source: 'http',
        wins: false,
      },
      {
        name: 'a lower rev of the same identity is stale (tab)',
        state: showing(alice2),
        view: userView('Alice', [], 1),
        source: 'tab',
        wins: false,
      },
      {
        name: 'a lower rev is stale on a socket past its first view',
        state: showing(alice2),
        view: userView('Alice', [], 1),
        source: 'socket',
        wins: false,
      },
      {
        name: "a socket's first view is current whatever its rev",
        state: showing(alice2),
        view: userView('Alice', [], 1),
        source: 'socket',
        facts: {fresh: true},
        wins: true,
      },
      {
        name: 'an equal rev wins (a push after the ack)',
        state: showing(alice2),
        view: userView('Alice', ['A', 'B'], 2),
        source: 'socket',
        wins: true,
      },
      {
        name: 'another identity wins whatever its rev',
        state: showing(alice2),
        view: userView('Bob', [], 1),
        source: 'http',
        wins: true,
      },
      {
        name: "a socket's news that the session the page shows ended",
        state: showing(alice2),
        view: notStored,
        source: 'socket',
        facts: {ended: identityOf(alice2)},
        wins: true,
      },
      {
        name: "a socket's news that an older session ended, once a login answered over HTTP",
        state: showing(alice2),
        view: notStored,
        source: 'socket',
        facts: {ended: identityOf(anonymous())},
        wins: false,
      },
      {
        name: "a socket's first view of another identity, for a cookie sent before the page's answer",
        state: showing(alice2, {since: NOW}),
        view: anonymous(),
        source: 'socket',
        facts: {fresh: true, at: NOW - 5},
        wins: false,
      },
      {
        name: "a tab's relay of another identity, for a cookie sent before the page's answer",
        state: showing(alice2, {since: NOW}),
        view: anonymous(),
        source: 'tab',
        facts: {at: NOW - 5},
        wins: false,
      },
      {
        name: "a tab's relay of another identity, for a cookie sent after the page's answer",
        state: showing(alice2, {since: NOW}),
        view: anonymous(),
        source: 'tab',
        facts: {at: NOW + 5},
        wins: true,
      },
      {
        name: 'an HTTP answer of another identity, even with a clock that went back',
        state: showing(alice2, {since: NOW}),
        view: anonymous(),
        source: 'http',
        facts: {at: NOW - 5},
        wins: true,
      },
      {
        name: "a tab's relay of that news from a socket bound to an older session",
        state: showing(alice2),
        view: notStored,
        source: 'tab',
        facts: {ended: identityOf(anonymous())},
        wins: false,
      },
    ];
    for (const c of cases) {
      it(`${c.wins ? 'takes' : 'ignores'} it: ${c.name}`, () => {
        const a = accept(c.state, c.view, c.source, c.facts ?? {}, NOW, CARRY_MS);
        expect(a?.state.view ?? null).to.equal(c.wins ? c.view : null);
      });
    }
  });

  describe('accept: effects by source', () => {
    const alice = userView('Alice', [], 1);
    const cases: {
      source: Source;
      state: LocalState;
      write: Accepted['write'];
      checkSocket: boolean;
      serverView: boolean;
    }[] = [
      {
        source: 'mirror',
        state: initialState(),
        write: 'none',
        checkSocket: false,
        serverView: false,
      },
      {source: 'http', state: initialState(), write: 'view', checkSocket: true, serverView: true},
      {
        source: 'socket',
        state: initialState(),
        write: 'view',
        checkSocket: false,
        serverView: true,
      },
      {
        source: 'tab',
        state: showing(userView('Alice', [], 0)),
        write: 'none',
        checkSocket: true,
        serverView: true,
      },
      {
        source: 'tab',
        state: showing(userView('Bob')),
        write: 'adopt',
        checkSocket: true,
        serverView: true,
      },
    ];
    for (const c of cases) {
      it(`a ${c.source} view ${c.state.identity === 's:Bob' ? 'of another identity ' : ''}writes ${c.write}${c.checkSocket ? ' and checks the socket' : ''}`, () => {
        const a = applied(c.state, alice, c.source);
        expect(a.write).to.equal(c.write);
        expect(a.checkSocket).to.equal(c.checkSocket);
        expect(a.state.serverView).to.equal(c.serverView ? alice : c.state.serverView);
      });
    }
  });

  describe('accept: the privacy wipe and the login carry-over', () => {
    const busy = (v: SessionView): LocalState =>
      showing(v, {
        pending: [visit('p1', 'Pending')],
        landed: [{...visit('l1', 'Landed'), rev: v.rev}],
        local: ['Local'],
        settled: new Set(['l1']),
      });
    const cases: {
      name: string;
      from: SessionView;
      to: SessionView;
      pending: string[];
      changed: boolean;
    }[] = [
      {
        name: 'a new rev of the same identity keeps everything',
        from: userView('Alice'),
        to: userView('Alice', [], 2),
        pending: ['p1'],
        changed: false,
      },
      {
        name: 'a change of user keeps the trail (one session, as 1.9)',
        from: userView('Alice'),
        to: {...userView('Bob'), realUser: {name: 'Alice'}},
        pending: ['p1'],
        changed: false,
      },
      {
        name: 'logout wipes a user',
        from: userView('Alice'),
        to: anonymous(),
        pending: [],
        changed: true,
      },
      {
        name: 'another login wipes a user',
        from: userView('Alice'),
        to: userView('Bob'),
        pending: [],
        changed: true,
      },
      {
        name: 'a login carries pending and landed visits of an anonymous session',
        from: anonymous(),
        to: userView('Alice'),
        pending: ['l1', 'p1'],
        changed: true,
      },
      {
        name: 'the end of an anonymous session keeps nothing when nothing is stored',
        from: anonymous(),
        to: notStored,
        pending: [],
        changed: true,
      },
    ];
    for (const c of cases) {
      it(`${c.name}`, () => {
        const a = applied(busy(c.from), c.to, 'http');
        expect(a.changed).to.equal(c.changed);
        expect(a.state.pending.map((v) => v.id)).to.deep.equal(c.pending);
        expect(a.state.landed.length).to.equal(c.changed ? 0 : 1);
        expect(a.state.local).to.deep.equal(c.changed ? [] : ['Local']);
        expect(a.state.identity).to.equal(identityOf(c.to));
        // A carried visit is no longer settled: it is shown and sent again.
        expect(a.state.settled.has('l1')).to.equal(!c.pending.includes('l1'));
      });
    }

    it('carries the visits through an ended anonymous session within carryMs, not after', () => {
      const start = showing(anonymous(), {pending: [visit('p1')]});
      // The old socket says its session ended before the login's answer arrives.
      const ended = applied(start, notStored, 'socket', {fresh: false}).state;
      expect(ended.pending).to.deep.equal([]);
      expect(ended.carry?.visits).to.deep.equal([visit('p1')]);
      const login = (now: number) => applied(ended, userView('Alice'), 'http', {now}).state;
      expect(login(NOW + CARRY_MS - 1).pending).to.deep.equal([visit('p1')]);
      expect(login(NOW + CARRY_MS).pending).to.deep.equal([]);
      expect(login(NOW + CARRY_MS).carry).to.equal(null);
    });

    it("gives this page's visits to whoever the first server view says the cookie is", () => {
      // The mirror was behind: it still holds the previous identity.
      const fromMirror = showing(
        userView('Old'),
        {pending: [visit('mine'), visit('theirs')]},
        'mirror'
      );
      const a = applied(own(fromMirror, 'mine'), userView('New'), 'http');
      expect(a.state.pending).to.deep.equal([visit('mine')]);
      // Once the server has answered, a later change of identity carries nothing.
      const b = applied(own(a.state, 'mine'), userView('Other'), 'http');
      expect(b.state.pending).to.deep.equal([]);
    });

    it('moves visits to the browser-only trail when the server turns out to store nothing', () => {
      const before = withPending(initialState(), [visit('1', 'A'), visit('2', 'B')]);
      const a = applied(own(own(before, '1'), '2'), notStored, 'http');
      expect(a.state.pending).to.deep.equal([]);
      expect(a.state.local).to.deep.equal(['A', 'B']);
      // The mirror record is adopted the same way, with other tabs' visits kept.
      expect(a.adopt({pending: [visit('3', 'C')], local: ['Z']}, 5)).to.deep.equal({
        pending: [],
        local: ['Z', 'C', 'A', 'B'],
      });
    });

    it('adds the carried visits to a stored record once', () => {
      const a = applied(showing(anonymous(), {pending: [visit('p1')]}), userView('Alice'), 'http');
      expect(a.adopt({pending: [visit('p1'), visit('x')], local: []}, 5).pending).to.deep.equal([
        visit('p1'),
        visit('x'),
      ]);
      expect(a.adopt({pending: [], local: []}, 5).pending).to.deep.equal([visit('p1')]);
    });

    it('grows the trail size to the longest trail the server sends, never shrinks it', () => {
      const long = userView('Alice', ['A', 'B', 'C', 'D', 'E', 'F', 'G'], 2);
      const a = applied(initialState(), long, 'http');
      expect(a.state.trailSize).to.equal(7);
      expect(applied(a.state, userView('Alice', ['A'], 3), 'http').state.trailSize).to.equal(7);
    });
  });

  describe('settle', () => {
    const s = showing(userView('Alice', [], 3), {pending: [visit('a'), visit('b')]});
    const cases = [
      {
        name: 'an ack moves the visit to landed with the current rev',
        landed: true,
        kept: [{...visit('a'), rev: 3}],
      },
      {name: 'a refusal drops the visit', landed: false, kept: []},
    ];
    for (const c of cases) {
      it(c.name, () => {
        const next = settle(s, 'a', c.landed);
        expect(next.pending).to.deep.equal([visit('b')]);
        expect(next.landed).to.deep.equal(c.kept);
        expect(next.settled.has('a')).to.equal(true);
        // The state it came from is unchanged.
        expect(s.settled.has('a')).to.equal(false);
      });
    }

    it(`keeps the last ${LANDED_KEPT} acked visits`, () => {
      let state = s;
      for (let i = 0; i < LANDED_KEPT + 5; i++) {
        state = settle(withPending(state, [visit(`v${i}`)]), `v${i}`, true);
      }
      expect(state.landed.length).to.equal(LANDED_KEPT);
      expect(state.landed[0]!.id).to.equal('v5');
    });

    it('never takes a settled visit back from a record', () => {
      const next = settle(s, 'a', true);
      expect(withPending(next, [visit('a'), visit('c')]).pending).to.deep.equal([visit('c')]);
    });
  });

  describe('take', () => {
    const s = showing(userView('Alice'), {settled: new Set(['gone'])});
    const cases: {name: string; identity: string | null; taken: boolean}[] = [
      {name: "the identity's own record", identity: 's:Alice', taken: true},
      {name: 'a record of no identity yet', identity: null, taken: true},
      {name: "another identity's record is refused", identity: 's:Bob', taken: false},
    ];
    for (const c of cases) {
      it(c.name, () => {
        const next = take(s, {
          identity: c.identity,
          view: null,
          pending: [visit('gone'), visit('new')],
          local: ['L'],
        });
        expect(next && {pending: next.pending, local: next.local}).to.deep.equal(
          c.taken ? {pending: [visit('new')], local: ['L']} : null
        );
      });
    }
  });

  describe('shownTrail', () => {
    const cases: {name: string; state: LocalState; trail: string[]}[] = [
      {name: 'nothing known: empty', state: initialState(), trail: []},
      {
        name: "the server's trail with pending visits on top",
        state: showing(userView('A', ['X'], 2), {pending: [visit('1', 'Y')]}),
        trail: ['X', 'Y'],
      },
      {
        name: 'an acked visit until a newer view',
        state: showing(userView('A', ['X'], 2), {landed: [{...visit('1', 'Y'), rev: 2}]}),
        trail: ['X', 'Y'],
      },
      {
        name: 'not an acked visit a newer view reflects',
        state: showing(userView('A', ['X'], 3), {landed: [{...visit('1', 'Y'), rev: 2}]}),
        trail: ['X'],
      },
      {
        name: 'the browser-only trail when nothing is stored',
        state: showing(notStored, {local: ['L1', 'L2'], pending: [visit('1', 'Y')]}),
        trail: ['L1', 'L2'],
      },
      {
        name: 'trimmed to the trail size',
        state: showing(userView('A', ['1', '2'], 1), {trailSize: 2, pending: [visit('3')]}),
        trail: ['2', '3'],
      },
    ];
    for (const c of cases) {
      it(`shows ${c.name}`, () => {
        expect(shownTrail(c.state)).to.deep.equal(c.trail);
      });
    }
  });
});
