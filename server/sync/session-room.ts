import type {SessionRecord} from '../store/types.js';
import type {SyncConnection} from './sync-connection.js';

/**
 * The sockets of one stored session on this instance, with the latest record the hub knows of it
 * and the bookkeeping that keeps re-reads, touches and the expiry timer to one at a time.
 */
export class SessionRoom {
  readonly key: string;
  readonly sockets = new Set<SyncConnection>();
  /** The newest record seen (from a read, a visit or a touch). */
  record: SessionRecord;
  /** Fires at `record.expiresAt` to push the anonymous view when the session has expired. */
  timer: NodeJS.Timeout | null = null;
  /** The expiry `timer` was set for (null: a retry timer, or none). */
  timerFor: number | null = null;
  /** A re-read is running; further requests meanwhile only mark `again`. */
  reading = false;
  again = false;
  /** The next re-read pushes to every socket, even those that have this rev (a resync). */
  force = false;
  /**
   * The next refresh reads the store: a change was announced without its rev (another process,
   * a removal, the clock, a join). Else it reads only when `record` is older than `announced`.
   */
  mustRead = true;
  /** The newest rev announced by this process's own changes since the last refresh. */
  announced = 0;
  /** The minute (of the engine's clock) of the last expiry touch; 1.9 writes at most once a minute. */
  touchedMinute = -1;

  constructor(record: SessionRecord) {
    this.key = record.key;
    this.record = record;
  }

  /** Takes a record read or returned later, unless an older rev would replace a newer one. */
  adopt(record: SessionRecord): boolean {
    if (record.rev < this.record.rev) return false;
    this.record = record;
    return true;
  }

  /** Stops the expiry timer. */
  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerFor = null;
  }
}
