import {MoinError, isMoinError, type ErrorCode} from '../../shared/index.js';
import type {SessionRow} from './sqlite-schema.js';
import type {AuditEntry, SessionOp, SessionRecord, SuEndAction} from './types.js';

/**
 * One write the SQLite writer thread runs inside a group commit, as plain data (it crosses
 * `postMessage`). Each has its result type noted; see SqliteWriter for what each does.
 */
export type WriteJob =
  /** → undefined. `row`: the record already turned into a row, so a bad value fails here. */
  | {type: 'insert'; row: SessionRow; oldKey: string | null}
  /**
   * → MutatedData | undefined (the main thread turns it back into the MutateResult). `pinned`:
   * the main thread holds the session as of the batch's `validAt` header.
   */
  | {type: 'mutate'; key: string; op: SessionOp; now: number; pinned: boolean}
  | {type: 'touchLater'; touches: readonly (readonly [string, number])[]; now: number}
  /** → boolean */
  | {type: 'destroy'; key: string}
  /** → string[] (the keys ended) */
  | {type: 'trim'; user: string; keep: number; now: number; newest: string}
  /** → string[]: one chunk of a user's sessions */
  | {type: 'revokeChunk'; user: string; action: SuEndAction; now: number}
  /** → string[]: one chunk of expired sessions */
  | {type: 'purgeChunk'; now: number}
  /** → undefined */
  | {type: 'audit'; entry: AuditEntry}
  /** → Uint8Array (the secret; made in the transaction when missing) */
  | {type: 'secret'; name: string}
  /** → number: free pages left, or -1 when the file cannot give pages back (no auto_vacuum) */
  | {type: 'vacuumStep'};

/**
 * A session record as it crosses threads: in full; `{job: i}`, the record that the i-th job of
 * the same batch (a mutate) resulted in; or `{pinned: true}`, the record the main thread pinned
 * for the job (it was valid at the header the batch began on). So a session visited 100 times in
 * a batch crosses at most once, and a session the main thread has cached not at all.
 */
export type RecordRef = SessionRecord | {job: number} | {pinned: true};

/**
 * What a mutate job sends back: the record its op was applied to. The main thread applies the op
 * again (`applyOp` is pure, so it gets the very same result) instead of receiving every step.
 */
export interface MutatedData {
  base: RecordRef;
}

/** A batch's effect on the main thread's cache (see BatchStamp), its records as references. */
export interface StampData {
  before: Uint8Array | null;
  after: Uint8Array | null;
  wrote: boolean;
  effects: [string, RecordRef | null][];
}

/** An error as it crosses threads: MoinError keeps its code, TypeError its kind. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
  moin?: boolean;
}

/** The result of one job. */
type OutcomeData = {ok: true; value: unknown} | {ok: false; error: ErrorData};

/** A transaction of the batch, for `onCommit`. */
interface CommitData {
  writes: number;
  durationMs: number;
  error?: ErrorData;
}

/** Main thread → writer thread. */
export type ToWriter =
  {type: 'batch'; jobs: WriteJob[]; validAt: Uint8Array | null} | {type: 'close'};

/** Writer thread → main thread. */
export type FromWriter =
  /** The write connection is open; batches may come. */
  | {type: 'ready'}
  /** The write connection could not be opened; the thread ends. */
  | {type: 'failed'; error: ErrorData}
  /**
   * The batch is done: one outcome per job, what each transaction did (for the main thread's read
   * cache, in commit order), its timings, and the writer's health after it (the last failure of a
   * write, or null).
   */
  | {
      type: 'done';
      outcomes: OutcomeData[];
      stamps: StampData[];
      commits: CommitData[];
      writeError: ErrorData | null;
    }
  /** Another process committed to the file (PRAGMA data_version moved). */
  | {type: 'external'};

/** An error as data for postMessage. */
export function errorToData(error: unknown): ErrorData {
  if (isMoinError(error))
    return {name: error.name, message: error.message, code: error.code, moin: true};
  if (error instanceof Error) {
    const code = (error as {code?: unknown}).code;
    return {name: error.name, message: error.message, ...(typeof code === 'string' ? {code} : {})};
  }
  return {name: 'Error', message: String(error)};
}

/** The error back, as the kind it was (MoinError, TypeError, or an Error with its `code`). */
export function dataToError(data: ErrorData): Error {
  if (data.moin) return new MoinError(data.code as ErrorCode, data.message);
  const error = data.name === 'TypeError' ? new TypeError(data.message) : new Error(data.message);
  if (data.name !== 'TypeError') error.name = data.name;
  if (data.code !== undefined) (error as Error & {code?: string}).code = data.code;
  return error;
}

/** A Buffer over bytes that came through postMessage (a Buffer arrives as a Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Is this reference a record in full (rather than `{job: i}`)? */
export function isRecord(ref: RecordRef): ref is SessionRecord {
  return 'key' in ref;
}

/** Is this reference to the record the main thread pinned? */
export function isPinned(ref: RecordRef): ref is {pinned: true} {
  return 'pinned' in ref;
}
