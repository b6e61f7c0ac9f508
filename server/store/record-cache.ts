import {isLive} from './ops.js';
import type {SessionRecord} from './types.js';

/**
 * A bounded map of decoded session records, so a session read again (the wiki back end asks
 * `GET /api/session` on every page view) skips the database row and its three JSON decodes. The
 * store that owns it decides when it may be trusted; this class only holds, expires and evicts.
 *
 * Records are deep-frozen on the way in: every caller shares the same object, so a caller that
 * tried to change one would otherwise change the cache for everyone (the stores' contract is
 * that records are values; the memory store hands out clones, this one frozen objects).
 */
export class RecordCache {
  readonly #max: number;
  readonly #records = new Map<string, SessionRecord>();

  /** @param max the most records kept; the oldest inserted is dropped first. 0 keeps none. */
  constructor(max: number) {
    this.#max = max;
  }

  /** How many records are held. */
  get size(): number {
    return this.#records.size;
  }

  /**
   * The cached record, or undefined on a miss. An entry that expired by `now` is a miss too,
   * and is dropped: the database would not return it either.
   */
  get(key: string, now: number): SessionRecord | undefined {
    const record = this.#records.get(key);
    if (record === undefined) return undefined;
    if (isLive(record, now)) return record;
    this.#records.delete(key);
    return undefined;
  }

  /** Keeps a record (frozen) and returns it. */
  set(record: SessionRecord): SessionRecord {
    const frozen = freezeRecord(record);
    if (this.#max === 0) return frozen;
    // Re-inserting moves the key to the young end, so a session in use is not the next evicted.
    this.#records.delete(record.key);
    this.#records.set(record.key, frozen);
    if (this.#records.size > this.#max) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
    return frozen;
  }

  /** Forgets one session. */
  delete(key: string): void {
    this.#records.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#records.clear();
  }
}

/** Freezes a record with its trail and (deeply) its extension values. */
function freezeRecord(record: SessionRecord): SessionRecord {
  if (Object.isFrozen(record)) return record;
  Object.freeze(record.trail);
  deepFreeze(record.data);
  return Object.freeze(record);
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
