/**
 * The session store contract. Every store (memory, SQLite, Redis) implements this interface and
 * passes the one conformance suite in test/server/store/store-conformance.ts.
 *
 * Rules every implementation keeps:
 * - Keys are `sessionKey(sid)` (a SHA-256 of the cookie value): the raw session id is never stored.
 * - Not found, expired (`expiresAt <= now`) and destroyed all read as `undefined`; never an error.
 * - `mutate` applies one {@link SessionOp} atomically with {@link applyOp} (no read-modify-write across
 *   an await, no lost update under concurrency, also across processes).
 * - A store that cannot reach its backend rejects with a `MoinError('store_unavailable')`.
 */

import type {OpWindow} from './op-window.js';

/** A stored session. */
export interface SessionRecord {
  /** Store key: SHA-256 of the session id, base64url. */
  key: string;
  /** The real logged-in user's name; null while anonymous. */
  user: string | null;
  /** Did the login ask to be remembered (decides the lifetime with `cookie_lifetime[1] > 0`). */
  rememberMe: boolean;
  /** The user a superuser is acting as, else null. */
  suTarget: string | null;
  /** Visited pages, oldest first. */
  trail: string[];
  /** Extension values (`req.session`); never part of the view. */
  data: Record<string, unknown>;
  /**
   * The last applied op ids (at most APPLIED_OPS_KEPT), oldest first, in their compact text form
   * (op-window.ts: `rememberOpId` applies one, `decodeOpWindow` lists them).
   */
  ops: OpWindow;
  /** Grows with every change except a pure expiry touch. */
  rev: number;
  /** ms since epoch. */
  createdAt: number;
  /** ms since epoch; the session is gone at and after this time. */
  expiresAt: number;
  /**
   * issue 13: the login method that logged the real user in (`users_file`, `moin`, `given`,
   * `backend`); absent while anonymous and in sessions stored before it was kept.
   */
  loginMethod?: string;
}

/** One atomic change to a session. */
export type SessionOp =
  | {type: 'visit'; page: string; trailSize: number; opId?: string}
  /** `onlyLater`: leave an expiry that is already later alone (a deferred touch, issue 15). */
  | {type: 'touch'; expiresAt: number; onlyLater?: boolean}
  | {type: 'su'; target: string}
  | {type: 'return'}
  | {type: 'data'; set: Record<string, unknown>; del: string[]};

/** What {@link SessionStore.mutate} reports. */
export interface MutateResult {
  /** The session after the op. */
  record: SessionRecord;
  /** Did the op change anything (rev grew or expiry moved). */
  changed: boolean;
  /** The op id had been applied before; nothing was applied now. */
  duplicate: boolean;
}

/** One row of `sessions list` (never the id). */
export interface SessionSummary {
  /** First 12 characters of the store key, to tell rows apart. */
  ref: string;
  user: string | null;
  suTarget: string | null;
  trailLength: number;
  createdAt: number;
  expiresAt: number;
}

/** One change-user audit record. */
export interface AuditEntry {
  /** ms since epoch. */
  at: number;
  action: 'su_start' | 'su_return' | SuEndAction;
  actor: string;
  target: string;
  /** The client address the request came from. */
  address: string;
  /** First 12 characters of the session's store key (never the id). */
  session: string;
  /**
   * issue 13: the login method behind the record: how the superuser's session was logged in, and
   * for `su_end_login` the method of the login that replaced it. Absent when not known.
   */
  method?: string;
}

/**
 * How a change of user ended (exactly one of these follows every `su_start`): `su_return` (the
 * superuser went back), `su_end_logout`, `su_end_login` (a login replaced the session),
 * `su_end_revoked` (`sessions revoke`, or the switch stopped being allowed), `su_end_passwd`,
 * `su_end_disabled`, `su_end_removed` (the real user's account changed), `su_end_expired`
 * (the session expired and was purged), `su_end_capped` (the user's session cap ended it).
 */
export type SuEndAction =
  | 'su_return'
  | 'su_end_logout'
  | 'su_end_login'
  | 'su_end_revoked'
  | 'su_end_passwd'
  | 'su_end_disabled'
  | 'su_end_removed'
  | 'su_end_expired'
  | 'su_end_capped';

/** Why {@link SessionStore.revokeUser} ends a user's sessions (names the audit end record). */
export type RevokeReason = 'revoked' | 'passwd' | 'disabled' | 'removed';

/** The store interface. All methods are required. */
export interface SessionStore {
  /** `memory`, `sqlite` or `redis`. */
  readonly kind: string;
  /**
   * True when `revokeUser`, `trimUser` and `purgeExpired` announce every key they remove to every
   * server themselves (Redis: a PUBLISH inside the script, to the bus's channel). Otherwise the
   * server that made the change publishes the keys on its bus (memory, SQLite; a SQLite server also
   * notices another process's commits by itself, so a CLI command publishes nothing anywhere).
   */
  readonly announcesRemovals?: boolean;
  /** The live session for a key, or undefined. */
  get(key: string, now: number): Promise<SessionRecord | undefined>;
  /** Inserts a new session; `oldKey`, when given, is destroyed in the same atomic step (id rotation). */
  insert(record: SessionRecord, oldKey?: string | null): Promise<void>;
  /** Applies one op atomically; undefined when there is no live session for the key. */
  mutate(key: string, op: SessionOp, now: number): Promise<MutateResult | undefined>;
  /**
   * The deferred expiry touches of many sessions (issue 15): each as `mutate(key, {type:
   * 'touch', expiresAt, onlyLater: true}, now)` applies it, a session that is not live left
   * alone, without reporting the records. SQLite: one write job, the rows neither read nor
   * decoded; the others: one `mutate` each.
   */
  touchLater(
    touches: readonly (readonly [key: string, expiresAt: number])[],
    now: number
  ): Promise<void>;
  /** Destroys a session; true when one existed. */
  destroy(key: string): Promise<boolean>;
  /**
   * Destroys every session whose real user is `user`; returns their keys. In the same atomic step
   * each destroyed session that was changing user gets a `su_end_<reason>` audit record, dated
   * `now` (default: the store's clock, Date.now unless the store was given one).
   */
  revokeUser(user: string, reason?: RevokeReason, now?: number): Promise<string[]>;
  /**
   * Keeps the newest `keep` live sessions of real user `user` (by createdAt, ties by key) and
   * destroys the others, each change of user in them getting a `su_end_capped` record; returns
   * their keys. `newest`, the key of the session a login just made, counts as the newest whatever
   * its createdAt: a login in the same millisecond as another never ends its own session.
   */
  trimUser(user: string, keep: number, now: number, newest?: string): Promise<string[]>;
  /** Live sessions, optionally of one real user. */
  list(now: number, user?: string): Promise<SessionSummary[]>;
  /**
   * Optional: the same rows as {@link list}, oldest first, read one at a time in bounded memory
   * (for `sessions list` of a big store). Each call starts a fresh scan; the store is busy with it
   * until the iteration ends, so nothing else may use the store meanwhile (a CLI command only).
   */
  scanList?(now: number, user?: string): Iterable<SessionSummary>;
  /** How many live sessions there are (cheap: used at every /metrics scrape). */
  count(now: number): Promise<number>;
  /**
   * Removes expired sessions; returns how many. Each removed session that was changing user gets
   * a `su_end_expired` audit record in the same step (Redis: only those it still held, see README).
   */
  purgeExpired(now: number): Promise<number>;
  /** Appends one audit record durably. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Audit records, oldest first. */
  listAudit(): Promise<AuditEntry[]>;
  /**
   * A 32-byte random secret of the store, made the first time `name` is asked for and the same
   * ever after for every process sharing the store (instances on one SQLite file or Redis): the
   * key that signs pending tokens. Never logged.
   */
  secret(name: string): Promise<Buffer>;
  /** Resolves when the backend answers; rejects with store_unavailable otherwise. */
  ping(): Promise<void>;
  /**
   * Calls `listener` when another process may have changed sessions (for example the CLI on the
   * same SQLite file). `keys` lists them when known, else null (recheck what you hold). Returns an
   * unsubscribe function. Stores that cannot be changed from outside may never call it.
   */
  onExternalChange(listener: (keys: string[] | null) => void): () => void;
  /** Releases the backend. */
  close(): Promise<void>;
}
