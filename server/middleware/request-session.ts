import {
  MAX_SESSION_DATA_BYTES,
  sessionEntryBytes,
  sessionKeyProblem,
  type UserRef,
} from '../../shared/index.js';
import type {SessionContext, SessionEngine} from '../session/session-engine.js';
import {assertJsonValue, copyJson} from './json-value.js';

/** The changes a request made to its session's values. */
export interface SessionChanges {
  set: Record<string, unknown>;
  del: string[];
}

/**
 * `req.session` (docs/http.md), as `request.session` is in MoinMoin 1.9: values for extension code,
 * kept server-side only (never part of the view). Reads and writes are local to the request; the
 * middleware saves the changed keys atomically (a `data` op: only those keys, so parallel requests
 * that change other keys do not overwrite each other) before the response is sent.
 * While {@link isNew} nothing is saved: 1.9's "Not storing any state until you send a cookie".
 */
export class RequestSession {
  readonly #ctx: SessionContext;
  readonly #engine: SessionEngine;
  readonly #values: Map<string, unknown>;
  /**
   * Each value's member bytes in the JSON object, and their sum: the size limit's running total.
   * Measured at the first `set` (most requests never set anything).
   */
  #sizes: Map<string, number> | null = null;
  #memberBytes = 0;
  readonly #set = new Map<string, unknown>();
  readonly #del = new Set<string>();

  constructor(ctx: SessionContext, engine: SessionEngine) {
    this.#ctx = ctx;
    this.#engine = engine;
    this.#values = new Map(Object.entries(ctx.record?.data ?? {}));
  }

  /** True when no session is stored for this browser: values set now are not kept. */
  get isNew(): boolean {
    return this.#ctx.record === null;
  }

  /** Who the request acts as (the target while a superuser changes user), or null. */
  get user(): UserRef | null {
    return this.#engine.view(this.#ctx).user;
  }

  /** The superuser behind a change of user, else null. */
  get realUser(): UserRef | null {
    return this.#engine.view(this.#ctx).realUser;
  }

  /** The page trail, oldest first (a copy). */
  get trail(): string[] {
    return [...this.#engine.view(this.#ctx).trail];
  }

  /** A copy of the value under `key`, or undefined. */
  get(key: string): unknown {
    return copyJson(this.#values.get(checkKey(key)));
  }

  has(key: string): boolean {
    return this.#values.has(checkKey(key));
  }

  /**
   * Sets a value; it must be JSON data (else TypeError) and all values together at most 64 KiB of
   * JSON (else RangeError, nothing changed). Saved when the response ends.
   */
  set(key: string, value: unknown): this {
    checkKey(key);
    assertJsonValue(value, `req.session.set("${key}")`);
    const copy = copyJson(value);
    const size = sessionEntryBytes(key, copy);
    const sizes = this.#measured();
    const members = sizes.size + (sizes.has(key) ? 0 : 1);
    const after = this.#memberBytes - (sizes.get(key) ?? 0) + size;
    // The JSON object's braces and the commas between its members.
    if (2 + after + members - 1 > MAX_SESSION_DATA_BYTES) {
      throw new RangeError(
        `req.session.set("${key}"): the values would be larger than ${MAX_SESSION_DATA_BYTES / 1024} KiB`
      );
    }
    this.#resize(key, size);
    this.#values.set(key, copy);
    this.#set.set(key, copy);
    this.#del.delete(key);
    return this;
  }

  /** Deletes a value; true when there was one. */
  delete(key: string): boolean {
    checkKey(key);
    const had = this.#values.delete(key);
    this.#resize(key, null);
    this.#set.delete(key);
    if (had || this.#ctx.record?.data[key] !== undefined) this.#del.add(key);
    return had;
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return [...this.#values.keys()];
  }

  /** The member sizes of the values now, measured once. */
  #measured(): Map<string, number> {
    if (!this.#sizes) {
      this.#sizes = new Map();
      for (const [k, v] of this.#values) this.#resize(k, sessionEntryBytes(k, v));
    }
    return this.#sizes;
  }

  /** Records the member bytes of `key` (null: gone) in the running total, once measured. */
  #resize(key: string, size: number | null): void {
    const sizes = this.#sizes;
    if (!sizes) return;
    this.#memberBytes -= sizes.get(key) ?? 0;
    if (size === null) sizes.delete(key);
    else {
      sizes.set(key, size);
      this.#memberBytes += size;
    }
  }

  /**
   * @internal Saves the changed keys atomically (one `data` op: only those keys, so parallel
   * requests that change other keys do not overwrite each other); nothing while {@link isNew}.
   */
  async save(): Promise<void> {
    const changes = this.changes();
    if (changes && this.#ctx.record) {
      await this.#engine.mutate(this.#ctx, {type: 'data', ...changes});
    }
  }

  /** @internal The changes to save, or null when there are none. */
  changes(): SessionChanges | null {
    if (this.#set.size === 0 && this.#del.size === 0) return null;
    return {set: Object.fromEntries(this.#set), del: [...this.#del]};
  }
}

function checkKey(key: unknown): string {
  const problem = sessionKeyProblem(key);
  if (problem !== null) throw new TypeError(`req.session: ${problem}`);
  return key as string;
}
