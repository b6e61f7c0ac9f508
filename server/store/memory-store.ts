import {randomBytes} from 'node:crypto';
import {applyOp, isLive, suEndEntry, touchEachLater} from './ops.js';
import {summarize} from './session-summary.js';
import type {
  AuditEntry,
  RevokeReason,
  SuEndAction,
  MutateResult,
  SessionOp,
  SessionRecord,
  SessionStore,
  SessionSummary,
} from './types.js';

/**
 * An in-process store for tests and development (`store: "memory:"`). Everything is lost when the
 * process ends; `moin-session serve` logs a warning when it runs on one.
 */
export class MemoryStore implements SessionStore {
  readonly kind = 'memory';
  #sessions = new Map<string, SessionRecord>();
  #audit: AuditEntry[] = [];
  #secrets = new Map<string, Buffer>();

  async get(key: string, now: number): Promise<SessionRecord | undefined> {
    const r = this.#sessions.get(key);
    if (r === undefined) return undefined;
    if (!isLive(r, now)) {
      this.#end(r, 'su_end_expired', now);
      return undefined;
    }
    return structuredClone(r);
  }

  async insert(record: SessionRecord, oldKey?: string | null): Promise<void> {
    if (oldKey) this.#sessions.delete(oldKey);
    this.#sessions.set(record.key, structuredClone(record));
  }

  async mutate(key: string, op: SessionOp, now: number): Promise<MutateResult | undefined> {
    const r = this.#sessions.get(key);
    if (r === undefined || !isLive(r, now)) return undefined;
    const result = applyOp(r, op);
    if (result.record !== r) this.#sessions.set(key, result.record);
    return {...result, record: structuredClone(result.record)};
  }

  touchLater(touches: readonly (readonly [string, number])[], now: number): Promise<void> {
    return touchEachLater(this, touches, now);
  }

  async destroy(key: string): Promise<boolean> {
    return this.#sessions.delete(key);
  }

  async revokeUser(
    user: string,
    reason: RevokeReason = 'revoked',
    now: number = Date.now()
  ): Promise<string[]> {
    const gone = [...this.#sessions.values()].filter((r) => r.user === user);
    for (const r of gone) this.#end(r, `su_end_${reason}`, now);
    return gone.map((r) => r.key);
  }

  async trimUser(user: string, keep: number, now: number, newest?: string): Promise<string[]> {
    const live = [...this.#sessions.values()]
      .filter((r) => r.user === user && isLive(r, now))
      .sort((a, b) => Number(b.key === newest) - Number(a.key === newest) || newestFirst(a, b))
      .slice(keep);
    for (const r of live) this.#end(r, 'su_end_capped', now);
    return live.map((r) => r.key);
  }

  async list(now: number, user?: string): Promise<SessionSummary[]> {
    return [...this.#sessions.values()]
      .filter((r) => isLive(r, now) && (user === undefined || r.user === user))
      .map(summarize);
  }

  async count(now: number): Promise<number> {
    let n = 0;
    for (const r of this.#sessions.values()) if (isLive(r, now)) n++;
    return n;
  }

  async purgeExpired(now: number): Promise<number> {
    let n = 0;
    for (const r of [...this.#sessions.values()]) {
      if (!isLive(r, now)) {
        this.#end(r, 'su_end_expired', now);
        n++;
      }
    }
    return n;
  }

  // Deletes a session; a change of user in it gets its end record.
  #end(r: SessionRecord, action: SuEndAction, at: number): void {
    this.#sessions.delete(r.key);
    if (r.suTarget !== null && r.user !== null) this.#audit.push(suEndEntry(r, action, at));
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.#audit.push({...entry});
  }

  async listAudit(): Promise<AuditEntry[]> {
    return this.#audit.map((e) => ({...e}));
  }

  async secret(name: string): Promise<Buffer> {
    let value = this.#secrets.get(name);
    if (!value) this.#secrets.set(name, (value = randomBytes(32)));
    return Buffer.from(value);
  }

  async ping(): Promise<void> {}

  onExternalChange(): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}

/** Newest session first (createdAt, then key: the order every store trims in). */
function newestFirst(a: SessionRecord, b: SessionRecord): number {
  return b.createdAt - a.createdAt || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);
}
