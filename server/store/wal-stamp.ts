import {closeSync, openSync, readSync} from 'node:fs';
import {endianness} from 'node:os';

/** Bytes of the first wal-index header copy at the start of the `-shm` file. */
export const WAL_HEADER_BYTES = 48;
// iChange, a u32 at offset 8 in the machine's byte order: "incremented each transaction".
const ICHANGE_OFFSET = 8;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Tells whether any connection, in this process or another, committed to an SQLite file in WAL
 * mode since a given moment, at the cost of one 48-byte `pread` instead of a read transaction
 * (whose two `fcntl` locks cost more than the lookup they guard).
 *
 * It reads the first copy of the wal-index header in `FILE-shm`
 * ({@link https://sqlite.org/walformat.html}). That header is a cross-process, cross-version format:
 * every connection to the file maps it, and every commit rewrites it with `iChange` one higher, as
 * the last step of the commit (copy 2 first, then copy 1). So a header that still equals the one
 * seen before a read means no commit has become visible since; any difference, even a torn read
 * of a header being written, counts as a change. Readers of the stamp only ever fall back to the
 * database, never trust a cache longer than the header allows.
 */
export class WalStamp {
  readonly #fd: number;
  #closed = false;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * Opens the stamp of an open WAL database file, or returns null when there is no readable
   * `-shm` file (not WAL mode, a memory database, exclusive locking): callers then skip caching.
   */
  static open(databaseFile: string): WalStamp | null {
    try {
      return new WalStamp(openSync(`${databaseFile}-shm`, 'r'));
    } catch {
      return null;
    }
  }

  /** Reads the current header into `into` (48 bytes); false when it cannot be read. */
  read(into: Buffer): boolean {
    if (this.#closed) return false;
    try {
      return readSync(this.#fd, into, 0, WAL_HEADER_BYTES, 0) === WAL_HEADER_BYTES;
    } catch {
      return false;
    }
  }

  /** Closes the file descriptor (the database connection is not affected). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      closeSync(this.#fd);
    } catch {
      // Already gone; nothing to release.
    }
  }
}

/** The commit counter of a header read by {@link WalStamp.read}. */
export function commitCounter(header: Buffer): number {
  return LITTLE_ENDIAN ? header.readUInt32LE(ICHANGE_OFFSET) : header.readUInt32BE(ICHANGE_OFFSET);
}

/**
 * Did exactly one writer's transaction land between two headers: `before`, read under the write
 * lock at BEGIN, and `after`, read just after COMMIT? With `wrote`, the counter must be exactly
 * one higher (our commit and nobody else's); without, nothing may have changed at all. Anything
 * else means another connection committed in the moment after our COMMIT released the lock.
 */
export function onlyOurCommit(before: Buffer, after: Buffer, wrote: boolean): boolean {
  if (!wrote) return after.equals(before);
  return commitCounter(after) === (commitCounter(before) + 1) >>> 0;
}
