import {
  MoinError,
  addToTrail,
  cookieNameFor,
  expiryFor,
  sessionLifetime,
  type Config,
  type SessionView,
} from '../../shared/index.js';
import type {SessionBus} from '../bus/types.js';
import type {
  AuditEntry,
  SessionOp,
  SessionRecord,
  SessionStore,
  SuEndAction,
} from '../store/types.js';
import type {HeaderSignOn, UserDirectory, UserInfo} from '../users/types.js';
import {SessionCookies} from './cookie.js';
import type {DeferredTouches} from './deferred-touches.js';
import {classifyCookieValue, newSessionId, readCookies, sessionKey, sessionRef} from './ids.js';
import {PendingTokens} from './pending-tokens.js';
import {SessionBudget} from './session-budget.js';
import {ViewTexts, recordView, transientView} from './session-view.js';

/** What the engine needs to know about a request. */
export interface RequestInfo {
  /** The raw Cookie header. */
  cookie: string | undefined;
  /** Is the request https (TLS, or a trusted proxy said so). */
  secure: boolean;
  /** The client address (for audit and throttling). */
  address: string;
  /** A request header by lower-case name (the `given` method's sign-on header). */
  header?(name: string): string | undefined;
}

/**
 * One request's view of its session, from `load` to `finish`. Handlers change it only through the
 * engine's methods.
 */
export interface SessionContext {
  readonly request: RequestInfo;
  /** Did the request carry a well-formed session cookie (stored or pending format). */
  readonly carriedCookie: boolean;
  /** The id in the cookie for `record` (kept to re-send the cookie; never logged). */
  sid: string | null;
  /** The live stored session, after validation; null when nothing is stored. */
  record: SessionRecord | null;
  /** Anonymous, unstored trail shown in this response only (1.9's first-request trail). */
  transientTrail: string[];
  /** A login that lasts this response only (logged-in lifetime 0). */
  transientUser: {name: string; rememberMe: boolean} | null;
  /** The session was ended during this request (logout, disabled user): delete the cookie. */
  ended: boolean;
  /**
   * The cookie names a session a login in this process replaced moments ago: the request was
   * sent before the login's answer arrived, so it gets no new cookie (which would replace the
   * login's in the browser).
   */
  replaced?: boolean;
}

/**
 * How long after a login the id it replaced gets no new cookie: another tab's request, or a page
 * of the wiki, sent with the old cookie while the login was under way.
 */
export const REPLACED_GRACE_MS = 60_000;
/** The most replaced ids remembered (the oldest are forgotten first). */
const REPLACED_KEPT = 10_000;

/** Options of {@link SessionEngine.load}. */
export interface LoadOptions {
  /**
   * Store a session when a pending token comes back (1.9's is_new). Callers that cannot set a
   * cookie on their response (the WebSocket upgrade) pass false: the new id could never reach the
   * browser. @default true
   */
  storePending?: boolean;
}

/** Collaborators of the engine; all injectable (clock and ids for tests). */
export interface EngineDeps {
  config: Config;
  store: SessionStore;
  users: UserDirectory;
  bus: SessionBus;
  now?: () => number;
  /** Called for lifecycle events; `session` is a short non-reversible ref, never the id. */
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** issue 15: write expiry touches of sessions in use a moment later, together; else at once. */
  touches?: DeferredTouches;
}

/**
 * The authoritative session logic (README "Cookies and lifetimes"): strict ids, the 1.9 lifetime
 * rule, sliding expiry throttled to the minute, 1.9's is_new, rotation at login, full logout,
 * change user with re-checks. HTTP, the WebSocket and the `req.session` middleware all go through
 * it.
 */
export class SessionEngine {
  readonly config: Config;
  readonly store: SessionStore;
  readonly users: UserDirectory;
  readonly bus: SessionBus;
  readonly cookieName: string;
  readonly now: () => number;
  readonly #log: (event: string, fields: Record<string, unknown>) => void;
  readonly #cookies: SessionCookies;
  /** The chain's front-proxy sign-on, if the `auth` list has one (issue 13). */
  readonly #given: HeaderSignOn | null;
  /** JSON views by record object (see viewJson). */
  readonly #viewTexts = new ViewTexts();
  /** New anonymous sessions per address (`new_sessions_per_address`). */
  readonly #budget: SessionBudget;
  readonly #touches: DeferredTouches | null;
  #pendingTokens: Promise<PendingTokens> | undefined;
  /** Store keys of sessions a login replaced, with when (see {@link REPLACED_GRACE_MS}). */
  readonly #replaced = new Map<string, number>();

  constructor(deps: EngineDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.users = deps.users;
    this.bus = deps.bus;
    this.now = deps.now ?? Date.now;
    this.#log = deps.log ?? (() => {});
    this.cookieName = cookieNameFor(deps.config);
    this.#cookies = new SessionCookies(this.cookieName, deps.config);
    this.#budget = new SessionBudget(deps.config.new_sessions_per_address);
    this.#given = deps.users.headerSignOn ?? null;
    this.#touches = deps.touches ?? null;
  }

  /** Writes the touches that wait (the service closing, before its store). */
  async close(): Promise<void> {
    await this.#touches?.close();
  }

  // The pending-token key is the store's secret, read once (again after a failed read).
  #tokens(): Promise<PendingTokens> {
    this.#pendingTokens ??= this.store.secret('pending_token').then(
      (key) => new PendingTokens(key, this.#lifetimeFor(null)),
      (err: unknown) => {
        this.#pendingTokens = undefined;
        throw err;
      }
    );
    return this.#pendingTokens;
  }

  /** Is this user name a superuser right now (config list and an enabled account). */
  isSuperuser(name: string | null): boolean {
    if (name === null || !this.config.superuser.includes(name)) return false;
    const u = this.users.get(name);
    return u !== undefined && !u.disabled;
  }

  /**
   * Resolves the request's session. Unknown, expired, destroyed and malformed ids are never adopted.
   * A pending token coming back (the browser keeps cookies) stores a session under a fresh id.
   * The stored user and any change of user are re-validated on every call.
   */
  async load(request: RequestInfo, options: LoadOptions = {}): Promise<SessionContext> {
    const now = this.now();
    const values = readCookies(request.cookie, this.cookieName);
    let carried = false;
    let pending: string | null = null;
    let record: SessionRecord | null = null;
    let sid: string | null = null;
    let replaced = false;
    for (const value of values.slice(0, 4)) {
      const kind = classifyCookieValue(value);
      if (kind === 'garbage') continue;
      carried = true;
      if (kind === 'pending') {
        pending ??= value;
        continue;
      }
      const key = sessionKey(value);
      const found = await this.store.get(key, now);
      if (found) {
        record = found;
        sid = value;
        break;
      }
      replaced ||= this.#replacedRecently(key, now);
    }
    // A pending token of ours maps to one stored id: a replay finds the session its first use
    // stored. A made-up, re-dated or too old one is not taken and is never stored.
    let pendingId: string | null = null;
    if (!record && pending !== null) {
      const tokens = await this.#tokens();
      if (tokens.isOwn(pending, now)) {
        pendingId = tokens.storedIdFor(pending);
        const key = sessionKey(pendingId);
        record = (await this.store.get(key, now)) ?? null;
        if (record) sid = pendingId;
        // Its session was stored and then replaced by a login: storing it again would too.
        else if (this.#replacedRecently(key, now)) {
          replaced = true;
          pendingId = null;
        }
      }
    }
    const ctx: SessionContext = {
      request,
      carriedCookie: carried,
      sid,
      record,
      transientTrail: [],
      transientUser: null,
      ended: false,
      replaced: replaced && !record,
    };
    // The check is synchronous; only a session that fails it costs an await (the common read
    // of a valid session goes through without one).
    const problem = ctx.record ? this.#problemOf(ctx.record) : null;
    if (problem) await this.#revalidate(ctx, problem);
    else if (
      !ctx.record &&
      pendingId !== null &&
      options.storePending !== false &&
      this.#lifetimeFor(null) > 0
    ) {
      // 1.9: "Not storing any state until you send a cookie". It came back: store now, under the
      // id the token maps to, if the address has budget left (else it stays unstored this time).
      const budget = this.#budget.take(request.address);
      if (budget.ok) await this.#create(ctx, null, false, [], null, pendingId);
      else if (budget.first) this.#log('session_budget_spent', {address: request.address});
    }
    if (this.#given && request.header) {
      await this.#signOn(ctx, this.#given, (h) => request.header!(h));
    }
    return ctx;
  }

  // 1.9 GivenAuth: the front proxy names the user in a header. Another name than the session's
  // logs that user in (a new id, as at every login); the same name changes nothing; no header, or
  // a name no method knows (without autocreate), leaves the session as it is.
  async #signOn(
    ctx: SessionContext,
    given: HeaderSignOn,
    header: (name: string) => string | undefined
  ): Promise<void> {
    const name = given.nameFrom(header(given.header));
    if (name === null) return;
    const current = ctx.record?.user ?? ctx.transientUser?.name ?? null;
    if (current === name) return;
    let user = this.users.get(name);
    if (!user && given.autocreate(name)) user = this.users.get(name);
    if (!user || user.disabled) {
      this.#log('sign_on_refused', {method: 'given', address: ctx.request.address});
      return;
    }
    await this.loginAs(ctx, user, false, 'given');
  }

  /**
   * Slides the stored session's expiry as a response would (the same lifetime rule, written at most
   * once a minute), without any cookie: for activity that has no HTTP response, such as WebSocket
   * messages. Nothing happens without a stored session.
   */
  async touch(ctx: SessionContext): Promise<void> {
    const r = ctx.record;
    if (!r) return;
    const lifetime = this.#lifetimeFor({user: r.user, rememberMe: r.rememberMe});
    // Lifetime 0 sessions are never stored; a record here means the config allowed it when made.
    if (lifetime === 0) return;
    const now = this.now();
    const expiresAt = this.#capExpiry(expiryFor(now, lifetime), r);
    if (expiresAt !== r.expiresAt) await this.#slide(ctx, r, expiresAt, now);
  }

  // The sliding expiry of a stored session: deferred when that is safe (DeferredTouches), else
  // written before the answer, as every other change.
  async #slide(ctx: SessionContext, r: SessionRecord, expiresAt: number, now: number) {
    const touched = this.#touches?.defer(r, expiresAt, now);
    if (touched) {
      ctx.record = touched;
      return;
    }
    this.#touches?.forget(r.key);
    await this.mutate(ctx, {type: 'touch', expiresAt});
  }

  /** The view of a context (after `finish`, so the expiry is current). */
  view(ctx: SessionContext): SessionView {
    const r = ctx.record;
    if (r) return recordView(r, this.isSuperuser(r.user));
    const user = ctx.transientUser?.name ?? null;
    return transientView(ctx.transientTrail, user, this.isSuperuser(user));
  }

  /**
   * {@link view} as JSON text. A stored session's text is kept with its record object; the
   * superuser flag is checked every time.
   */
  viewJson(ctx: SessionContext): string {
    const r = ctx.record;
    if (!r) return JSON.stringify(this.view(ctx));
    return this.#viewTexts.of(r, this.isSuperuser(r.user));
  }

  /** The view of a stored record (for pushes). */
  viewOf(record: SessionRecord): SessionView {
    return recordView(record, this.isSuperuser(record.user));
  }

  /**
   * Records a visit of a validated page name. Stored sessions change atomically in the store;
   * unstored ones get a trail for this response only. Returns whether the op id was a duplicate.
   */
  async visit(ctx: SessionContext, page: string, opId?: string): Promise<{duplicate: boolean}> {
    if (!ctx.record) {
      const wants = ctx.transientUser !== null || this.config.cookie_lifetime[0] !== 0;
      if (wants)
        ctx.transientTrail =
          addToTrail(ctx.transientTrail, page, this.config.trail_size) ?? ctx.transientTrail;
      return {duplicate: false};
    }
    const op: SessionOp = {type: 'visit', page, trailSize: this.config.trail_size};
    if (opId !== undefined) op.opId = opId;
    const result = await this.mutate(ctx, op);
    return {duplicate: result?.duplicate ?? false};
  }

  /** Applies an op to the context's stored session and publishes the change. */
  async mutate(ctx: SessionContext, op: SessionOp) {
    if (!ctx.record) return undefined;
    const result = await this.store.mutate(ctx.record.key, op, this.now());
    if (!result) {
      // Destroyed or expired meanwhile (another request logged out): never resurrect it.
      ctx.record = null;
      ctx.sid = null;
      ctx.ended = true;
      return undefined;
    }
    const before = ctx.record.rev;
    ctx.record = result.record;
    if (result.record.rev !== before) await this.bus.publish(result.record.key, result.record.rev);
    return result;
  }

  /**
   * Logs in. Always issues a new session id; an anonymous session's trail (and values) carry over,
   * another user's do not. Throws `invalid_credentials` (also for disabled users).
   */
  async login(
    ctx: SessionContext,
    name: string,
    password: string,
    rememberMe: boolean
  ): Promise<void> {
    const user = await this.users.verify(name, password);
    if (!user) throw new MoinError('invalid_credentials');
    await this.loginAs(ctx, user, rememberMe);
  }

  /**
   * Logs in a user whose identity was checked elsewhere (the password above, the front proxy's
   * header, or the wiki's own login through `POST /api/backend/login`): a new id, the anonymous
   * trail carried over, the same lifetime rule. The caller has checked that the user exists and is
   * enabled. `via` names the method that recognised the user, for the logs.
   */
  async loginAs(
    ctx: SessionContext,
    user: UserInfo,
    rememberMe: boolean,
    via: string = user.method ?? 'users_file'
  ): Promise<void> {
    // Read the session again after the (slow, scrypt) password check: visits a socket applied
    // meanwhile then carry over too. The window left is one store round trip, not the hash.
    if (ctx.record) {
      ctx.record = (await this.store.get(ctx.record.key, this.now())) ?? null;
      if (!ctx.record) ctx.sid = null;
    }
    const old = ctx.record;
    const carry = old !== null && (old.user === null || old.user === user.name);
    const trail = carry ? old.trail : ctx.transientTrail;
    const lifetime = this.#lifetimeFor({user: user.name, rememberMe});
    if (lifetime === 0) {
      // Logged-in lifetime 0: the login lasts this response only (1.9); nothing is stored.
      if (old) await this.#destroy(ctx, 'login', via);
      ctx.transientUser = {name: user.name, rememberMe};
      ctx.transientTrail = trail;
      return;
    }
    await this.#create(ctx, user.name, rememberMe, trail, carry ? old : null, newSessionId(), via);
    await this.#capSessions(user.name, ctx.record!.key);
    this.#log('login', {
      user: user.name,
      method: via,
      session: sessionRef(ctx.record!.key),
      address: ctx.request.address,
    });
  }

  /** Logs out: destroys the session server-side (also while changing user) and deletes the cookie. */
  async logout(ctx: SessionContext): Promise<void> {
    if (ctx.record) await this.#destroy(ctx, 'logout');
    ctx.transientUser = null;
    ctx.transientTrail = [];
    ctx.ended = ctx.carriedCookie || ctx.ended;
  }

  /** The enabled user of that name; else MoinError `unknown_user`. */
  activeUser(name: string): UserInfo {
    const user = this.users.get(name);
    if (!user || user.disabled) {
      throw new MoinError('unknown_user', `There is no active user named "${name.slice(0, 100)}".`);
    }
    return user;
  }

  /** Change user (`POST /api/su`), audited. */
  async su(ctx: SessionContext, target: string): Promise<void> {
    const r = ctx.record;
    const realUser = r?.user ?? ctx.transientUser?.name ?? null;
    if (realUser === null) throw new MoinError('not_logged_in');
    if (!this.isSuperuser(realUser)) throw new MoinError('not_superuser');
    if (r?.suTarget) throw new MoinError('already_switched');
    const t = this.activeUser(target);
    if (this.config.superuser.includes(t.name)) throw new MoinError('target_is_superuser');
    if (!r)
      throw new MoinError('not_logged_in', 'Your login is not stored (logged-in lifetime is 0).');
    await this.mutate(ctx, {type: 'su', target: t.name});
    if (!ctx.record) throw new MoinError('not_logged_in');
    await this.#audit(ctx, 'su_start', realUser, t.name);
  }

  /** Back to the real user, audited. */
  async suReturn(ctx: SessionContext): Promise<void> {
    const r = ctx.record;
    if (!r || !r.suTarget) throw new MoinError('not_switched');
    const target = r.suTarget;
    await this.mutate(ctx, {type: 'return'});
    await this.#audit(ctx, 'su_return', r.user!, target);
  }

  /**
   * Applies the cookie rule to the response: returns the Set-Cookie values. Refreshes the cookie
   * and the server-side expiry (written at most once a minute) while the lifetime is above 0;
   * deletes the cookie and the session when it is 0 or the session ended; sets a pending token for
   * anonymous browsers that have no stored session yet.
   */
  async finish(ctx: SessionContext): Promise<string[]> {
    const secure = ctx.request.secure;
    const cookies = this.#cookies;
    const now = this.now();
    if (ctx.ended && !ctx.record) return ctx.carriedCookie ? [cookies.deletion(secure)] : [];
    const r = ctx.record;
    const lifetime = this.#lifetimeFor(
      r ? {user: r.user, rememberMe: r.rememberMe} : ctx.transientUser
    );
    if (lifetime === 0) {
      if (r) await this.#destroy(ctx, 'lifetime0');
      return ctx.carriedCookie ? [cookies.deletion(secure)] : [];
    }
    const expiresAt = expiryFor(now, lifetime);
    if (r && ctx.sid) {
      // The cookie keeps 1.9's lifetime; the stored session may end sooner (remember_me_max_hours).
      const storedExpiry = this.#capExpiry(expiresAt, r);
      if (storedExpiry !== r.expiresAt) await this.#slide(ctx, r, storedExpiry, now);
      if (!ctx.record) return ctx.carriedCookie ? [cookies.deletion(secure)] : [];
      return [cookies.session(ctx.sid, lifetime, expiresAt, secure)];
    }
    if (ctx.transientUser) return ctx.carriedCookie ? [cookies.deletion(secure)] : [];
    if (ctx.replaced) return [];
    const token = (await this.#tokens()).issue(now);
    return [cookies.session(token, lifetime, expiresAt, secure)];
  }

  #replacedRecently(key: string, now: number): boolean {
    return now - (this.#replaced.get(key) ?? -Infinity) < REPLACED_GRACE_MS;
  }

  #remember(replacedKey: string): void {
    this.#replaced.delete(replacedKey);
    this.#replaced.set(replacedKey, this.now());
    if (this.#replaced.size > REPLACED_KEPT) {
      this.#replaced.delete(this.#replaced.keys().next().value as string);
    }
  }

  // What is wrong with a stored session as of now, if anything: its user is gone or disabled,
  // or its change of user is no longer allowed (not a superuser any more, target gone).
  #problemOf(r: SessionRecord): 'user_invalid' | 'su_invalid' | null {
    if (r.user !== null) {
      const u = this.users.get(r.user);
      if (!u || u.disabled) return 'user_invalid';
    }
    if (r.suTarget !== null) {
      const t = this.users.get(r.suTarget);
      const ok =
        this.isSuperuser(r.user) &&
        t !== undefined &&
        !t.disabled &&
        !this.config.superuser.includes(t.name);
      if (!ok) return 'su_invalid';
    }
    return null;
  }

  async #revalidate(ctx: SessionContext, problem: 'user_invalid' | 'su_invalid'): Promise<void> {
    const r = ctx.record!;
    if (problem === 'user_invalid') {
      // 1.9: a user that is gone or disabled is not valid; the session is killed.
      await this.#destroy(ctx, 'user_invalid');
      ctx.ended = true;
      return;
    }
    const target = r.suTarget!;
    await this.mutate(ctx, {type: 'return'});
    await this.#audit(ctx, 'su_end_revoked', r.user ?? '', target);
  }

  async #create(
    ctx: SessionContext,
    user: string | null,
    rememberMe: boolean,
    trail: string[],
    carryFrom: SessionRecord | null,
    sid: string = newSessionId(),
    loginMethod?: string
  ): Promise<void> {
    const now = this.now();
    const lifetime = this.#lifetimeFor(user === null ? null : {user, rememberMe});
    const record: SessionRecord = {
      key: sessionKey(sid),
      user,
      rememberMe,
      suTarget: null,
      trail,
      data: carryFrom ? carryFrom.data : {},
      ops: carryFrom ? carryFrom.ops : '',
      rev: (carryFrom?.rev ?? 0) + 1,
      createdAt: now,
      expiresAt: this.#capExpiry(expiryFor(now, lifetime), {user, rememberMe, createdAt: now}),
    };
    if (loginMethod !== undefined) record.loginMethod = loginMethod;
    const old = ctx.record;
    // The new record replaces the old one (a login rotates the id): a change of user in the old
    // one ends here, with its one end record, naming the login that ended it.
    if (old?.suTarget && old.user) {
      await this.#audit(ctx, 'su_end_login', old.user, old.suTarget, loginMethod);
    }
    const oldKey = old?.key ?? null;
    await this.store.insert(record, oldKey);
    if (oldKey) this.#remember(oldKey);
    ctx.record = record;
    ctx.sid = sid;
    ctx.transientTrail = [];
    // A login logs its own event; an anonymous session being stored is a lifecycle event too.
    if (user === null) {
      this.#log('session_start', {session: sessionRef(record.key), address: ctx.request.address});
    }
    if (oldKey) await this.bus.publish(oldKey);
    await this.bus.publish(record.key);
  }

  // `method`: the end record's login method (a login names its own), by default the session's.
  async #destroy(
    ctx: SessionContext,
    reason: keyof typeof SU_END_BY_REASON,
    method = ctx.record?.loginMethod
  ): Promise<void> {
    const r = ctx.record;
    if (!r) return;
    // However a session ends, a change of user in it gets exactly one end record.
    if (r.suTarget && r.user) {
      await this.#audit(ctx, SU_END_BY_REASON[reason], r.user, r.suTarget, method);
    }
    await this.store.destroy(r.key);
    ctx.record = null;
    ctx.sid = null;
    this.#log('session_end', {reason, session: sessionRef(r.key), user: r.user});
    await this.bus.publish(r.key);
  }

  // issue 10b: past `max_sessions_per_user` live sessions, the user's oldest ones end (their
  // sockets get the anonymous view at once).
  async #capSessions(user: string, newest: string): Promise<void> {
    const cap = this.config.max_sessions_per_user;
    if (cap === 0) return;
    const ended = await this.store.trimUser(user, cap, this.now(), newest);
    for (const key of ended) {
      this.#log('session_end', {reason: 'session_cap', session: sessionRef(key), user});
      if (!this.store.announcesRemovals) await this.bus.publish(key);
    }
  }

  // `method`: the login method the record names; by default how the session was logged in.
  async #audit(
    ctx: SessionContext,
    action: AuditEntry['action'],
    actor: string,
    target: string,
    method = ctx.record?.loginMethod
  ) {
    const entry: AuditEntry = {
      at: this.now(),
      action,
      actor,
      target,
      address: ctx.request.address,
      session: ctx.record ? sessionRef(ctx.record.key) : '',
    };
    if (method !== undefined) entry.method = method;
    await this.store.appendAudit(entry);
    this.#log('audit', {...entry});
  }

  // issue 10b: the stored expiry of a record for an expiry `at` of its lifetime: a remembered login
  // also ends `remember_me_max_hours` after it was made, however active (OWASP absolute timeout).
  #capExpiry(at: number, r: Pick<SessionRecord, 'user' | 'rememberMe' | 'createdAt'>): number {
    const hours = this.config.remember_me_max_hours;
    if (hours === 0 || r.user === null || !r.rememberMe) return at;
    return Math.min(at, r.createdAt + hours * 3_600_000);
  }

  #lifetimeFor(subject: {user?: string | null; name?: string; rememberMe: boolean} | null): number {
    const loggedIn = subject !== null && (subject.user ?? subject.name ?? null) !== null;
    return sessionLifetime(this.config.cookie_lifetime, {
      loggedIn,
      rememberMe: subject?.rememberMe ?? false,
    });
  }
}

/** The audit end record of a change of user in a session the engine destroys, by reason. */
const SU_END_BY_REASON = {
  logout: 'su_end_logout',
  login: 'su_end_login',
  user_invalid: 'su_end_revoked',
  lifetime0: 'su_end_revoked',
} as const satisfies Record<string, SuEndAction>;
