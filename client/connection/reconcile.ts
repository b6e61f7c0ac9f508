import type {SessionView} from '../shared.js';
import type {MirrorRecord} from '../mirror/session-mirror.js';
import {identityOf, isStoredAnonymous, withVisits} from './trail-view.js';
import type {PendingVisit} from './types.js';

/**
 * What a page knows of one endpoint's session, and the pure rules that change it: which view
 * wins, the pending visits, the login carry-over and the privacy wipe. No network, no timers, no
 * mirror: `SessionConnection` applies the results.
 */
export interface LocalState {
  /** The latest view from any source, the mirror included. */
  readonly view: SessionView | null;
  /** {@link identityOf} the view; null until there is one. */
  readonly identity: string | null;
  /** The latest view that came from the server during this page's life. */
  readonly serverView: SessionView | null;
  /**
   * How new the cookie is that the page's view answers: the latest {@link ViewFacts.at} of a
   * server view it took (an HTTP answer's arrival, a socket's upgrade); 0 before any.
   */
  readonly since: number;
  /** Visits not acked yet, oldest first. */
  readonly pending: PendingVisit[];
  /**
   * The last visits acked on this page, with the rev current at the ack. Shown until a newer view
   * arrives (the ack comes before the push), and sent again if a login must carry them.
   */
  readonly landed: LandedVisit[];
  /** Visits of an anonymous session waiting (until `until`) for the login that carries them. */
  readonly carry: {readonly visits: PendingVisit[]; readonly until: number} | null;
  /** Op ids of visits made on this page. */
  readonly mine: ReadonlySet<string>;
  /** Op ids acked or refused during this page's life: never shown or sent again. */
  readonly settled: ReadonlySet<string>;
  /** The browser-only trail, while the server stores nothing. */
  readonly local: string[];
  /**
   * How many pages a trail keeps when the browser adds a visit itself: the server's default
   * `trail_size`, grown to the longest trail the server sends.
   */
  readonly trailSize: number;
}

type LandedVisit = PendingVisit & {rev: number};

/** Where a view comes from, in rising order of trust (see {@link accept}). */
export type Source = 'mirror' | 'http' | 'socket' | 'tab';

/** The visits and browser-only trail of a mirror record. */
type Visits = Pick<MirrorRecord, 'pending' | 'local'>;

/** What else {@link accept} knows of a server view. */
export interface ViewFacts {
  /** The first view of a socket: current for the cookie the browser sent with the upgrade. */
  readonly fresh?: boolean | undefined;
  /**
   * How new the cookie is that this view answers: an HTTP answer's arrival (the cookie is at
   * least that new), a socket's upgrade time (at most that new); tabs of one browser share the
   * clock and the cookie. A view of another identity older than the page's
   * {@link LocalState.since} answers an older cookie: it loses (a socket opened before a login was
   * answered, another tab's answer that came before it).
   */
  readonly at?: number | undefined;
  /**
   * The view says that the session of this identity ended (a socket's push after logout, expiry,
   * revocation, or a login elsewhere that moved the session). It speaks only for that identity:
   * a page that has already moved on (a login answered over HTTP) ignores it.
   */
  readonly ended?: string | undefined;
}

/** What {@link accept} decided. */
export interface Accepted {
  readonly state: LocalState;
  /** The view belongs to another identity than the one before (login, logout, expiry...). */
  readonly changed: boolean;
  /**
   * What the mirror record of the new identity becomes: the carried visits join its pending
   * list, or, when the server stores nothing, every pending visit moves to the browser-only trail.
   */
  readonly adopt: (r: Visits, trailSize: number) => Visits;
  /**
   * The mirror write the view calls for: none, `adopt` alone (a tab's view: that tab wrote the
   * mirror, only a wipe is repeated here), or the view with `adopt` (also posted to the tabs).
   */
  readonly write: 'none' | 'adopt' | 'view';
  /** Check that the socket is bound to the view's identity (views not from the socket). */
  readonly checkSocket: boolean;
}

/** Acked visits kept to show until the push that reflects them (and to carry through a login). */
export const LANDED_KEPT = 20;

/** Nothing known yet. */
export const initialState = (trailSize = 5): LocalState => ({
  view: null,
  identity: null,
  serverView: null,
  since: 0,
  pending: [],
  landed: [],
  carry: null,
  mine: new Set(),
  settled: new Set(),
  local: [],
  trailSize,
});

/** The trail to show: the server's plus visits not yet in it, or the browser-only trail. */
export function shownTrail(s: LocalState): string[] {
  const v = s.view;
  const shown = s.landed.filter((l) => l.rev >= (v?.rev ?? 0));
  const pages = [...shown, ...s.pending].map((p) => p.page);
  return v && !v.stored ? s.local : withVisits(v?.trail ?? [], pages, s.trailSize);
}

/** The pending list set to `visits`, without the settled ones. */
export const withPending = (s: LocalState, visits: PendingVisit[]): LocalState => ({
  ...s,
  pending: visits.filter((v) => !s.settled.has(v.id)),
});

/** A visit made on this page (its op id `id`). */
export const own = (s: LocalState, id: string): LocalState => ({
  ...s,
  mine: new Set(s.mine).add(id),
});

/** The visits a mirror record holds, or null when the record is another identity's. */
export function take(s: LocalState, record: MirrorRecord): LocalState | null {
  if (record.identity !== s.identity && record.identity !== null) return null;
  return {...withPending(s, record.pending), local: record.local};
}

/** An ack (`landed`) or a refusal for a visit: it leaves the pending list for good. */
export function settle(s: LocalState, id: string, landed: boolean): LocalState {
  const settled = new Set(s.settled).add(id);
  const visit = s.pending.find((v) => v.id === id);
  return withPending(
    {
      ...s,
      settled,
      landed:
        visit && landed
          ? [...s.landed.slice(1 - LANDED_KEPT), {...visit, rev: s.view?.rev ?? 0}]
          : s.landed,
    },
    s.pending
  );
}

/**
 * Takes a view from `source` at time `now`, or returns null when it loses: the mirror only paints
 * until anything else arrives; a server view of the same identity with a lower rev is stale,
 * unless `fresh` (the first view of a socket, current for the cookie the upgrade sent); a view of
 * another identity loses when it answers a cookie sent (`at`) before the page's `since`, and news
 * that the session of identity `ended` ended loses once the page shows another identity.
 * `carryMs`: how long an anonymous session's visits wait for the login that carries them.
 */
export function accept(
  s: LocalState,
  view: SessionView,
  source: Source,
  {fresh = false, ended, at}: ViewFacts,
  now: number,
  carryMs: number
): Accepted | null {
  const identity = identityOf(view);
  const current = s.view;
  const changed = s.identity !== null && identity !== s.identity;
  const fromServer = source !== 'mirror';
  const stale = fromServer ? current && !changed && !fresh && view.rev < current.rev : current;
  if (stale || (ended !== undefined && s.identity !== ended)) return null;
  // An HTTP answer is the cookie as it is now: it always counts (even if the clock went back).
  if (changed && source !== 'http' && at !== undefined && at < s.since) return null;
  // Logging in copies an anonymous session's trail (and applied op ids) to the new session.
  // Visits not sent yet go along, and so do recent acked ones: one applied to the old session
  // after the copy would be lost, and one applied before it is a duplicate the server ignores.
  // The old session's socket may first say it ended, so they wait (carryMs) for the next stored
  // identity. Every other change of identity drops them with the rest (privacy).
  let carry = s.carry;
  if (changed && isStoredAnonymous(s.identity)) {
    const visits = [...s.landed, ...s.pending].map(({id, page}) => ({id, page}));
    carry = {visits, until: now + carryMs};
  }
  // Visits of this page made before the server first answered belong to whoever the server
  // says the cookie is (the mirror may be behind: a page can unload mid-write).
  const carried = [
    ...(changed && view.stored && carry && now < carry.until ? carry.visits : []),
    ...(fromServer && !s.serverView ? s.pending.filter((v) => s.mine.has(v.id)) : []),
  ];
  const settled = new Set(s.settled);
  for (const v of carried) settled.delete(v.id);
  const trailSize = Math.max(s.trailSize, view.trail.length);
  // Visits recorded before anything was known, now that the server turns out to store nothing,
  // join the browser-only trail and are never sent.
  const adopt = (r: Visits, size: number): Visits => {
    const pending = [...r.pending, ...carried.filter((c) => !r.pending.some((p) => p.id === c.id))];
    return view.stored
      ? {pending, local: r.local}
      : {
          pending: [],
          local: withVisits(
            r.local,
            pending.map((v) => v.page),
            size
          ),
        };
  };
  const kept = changed ? {pending: [], local: []} : {pending: s.pending, local: s.local};
  const state: LocalState = {
    ...s,
    ...adopt(kept, trailSize),
    view,
    identity,
    serverView: fromServer ? view : s.serverView,
    since:
      at === undefined || !fromServer ? s.since : source === 'http' ? at : Math.max(s.since, at),
    landed: changed ? [] : s.landed,
    carry: changed && view.stored ? null : carry,
    settled,
    trailSize,
  };
  const write =
    source === 'mirror' ? 'none' : source !== 'tab' ? 'view' : changed ? 'adopt' : 'none';
  return {state, changed, adopt, write, checkSocket: source === 'http' || source === 'tab'};
}
