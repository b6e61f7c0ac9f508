/** The result of one write job inside a batch. */
export type JobOutcome = {ok: true; value: unknown} | {ok: false; error: unknown};

/** What a batch reports once it is committed or has failed. */
export interface CommitInfo {
  /** How many write calls the transaction held. */
  writes: number;
  /** Time from BEGIN to COMMIT (or to the failure), in ms. */
  durationMs: number;
  /** Set when the whole transaction failed (every write in it rejected). */
  error?: unknown;
}

/**
 * Retrying batches that failed before running because another connection held the write lock:
 * later, on a timer, with the writes queued meanwhile, until the oldest has waited `timeoutMs`.
 * So the event loop never sleeps in SQLite's busy handler.
 */
export interface BusyRetry {
  /** Did this failure happen before any job ran, because the lock was taken? */
  isBusy: (error: unknown) => boolean;
  /** How long the oldest queued write may wait, in ms. */
  timeoutMs: number;
  /** The longest pause between tries, in ms (they start at 1 ms and double). */
  maxDelayMs: number;
}

interface Job {
  run: () => unknown;
  /** performance.now() when it was queued (for the busy deadline). */
  since: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: write jobs queued within one event-loop turn run in one transaction, in the order
 * they were queued. Each promise settles only after that transaction committed (or failed), so a
 * caller that acknowledges after `await` never acknowledges what is not durable; and one fsync
 * serves the whole turn instead of one per write.
 */
export class GroupCommit {
  readonly #commit: (runs: readonly (() => unknown)[]) => JobOutcome[];
  readonly #batching: boolean;
  readonly #onCommit: ((info: CommitInfo) => void) | undefined;
  #queue: Job[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  /** Set while the queue waits to retry a batch another process kept out (SQLITE_BUSY). */
  #retry: NodeJS.Timeout | null = null;
  #retryDelayMs = 0;
  readonly #busy: BusyRetry | null;
  /** Resolves the promise {@link idle} gave out, once the queue is empty. */
  #onIdle: (() => void) | null = null;
  #idle: Promise<void> | null = null;

  /**
   * @param commit runs the jobs in one transaction and returns one outcome per job; it throws when
   *   the transaction as a whole failed (then nothing of it is stored).
   * @param batching false gives each write its own transaction (for measurements).
   * @param busy when and how long to retry a batch the lock kept out; null: never.
   */
  constructor(
    commit: (runs: readonly (() => unknown)[]) => JobOutcome[],
    batching: boolean,
    onCommit?: (info: CommitInfo) => void,
    busy: BusyRetry | null = null
  ) {
    this.#commit = commit;
    this.#batching = batching;
    this.#onCommit = onCommit;
    this.#busy = busy;
  }

  /**
   * Resolves once no write is queued (at once when none is): every write queued before the queue
   * emptied has settled, including those that waited out another process's lock.
   */
  idle(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    this.#idle ??= new Promise<void>((resolve) => (this.#onIdle = resolve));
    return this.#idle;
  }

  /** Queues one write; resolves with its result after COMMIT. */
  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const since = performance.now();
      this.#queue.push({run, since, resolve: resolve as (value: unknown) => void, reject});
      if (this.#retry !== null) return; // the retry timer flushes it
      if (!this.#batching) this.flush();
      else this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits whatever is queued now (close() calls it so nothing queued is dropped). */
  flush(): void {
    this.#commitQueued();
    if (this.#queue.length > 0 || this.#onIdle === null) return;
    const resolve = this.#onIdle;
    this.#onIdle = this.#idle = null;
    resolve();
  }

  #commitQueued(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#scheduled = this.#retry = null;
    const jobs = this.#queue;
    if (jobs.length === 0) return;
    this.#queue = [];
    const started = performance.now();
    let outcomes: JobOutcome[];
    try {
      outcomes = this.#commit(jobs.map((j) => j.run));
    } catch (error) {
      if (this.#retryLater(jobs, error)) return;
      this.#report(jobs.length, started, error);
      for (const job of jobs) job.reject(error);
      return;
    }
    this.#retryDelayMs = 0;
    this.#report(jobs.length, started);
    jobs.forEach((job, i) => {
      const outcome = outcomes[i] as JobOutcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  #retryLater(jobs: Job[], error: unknown): boolean {
    const busy = this.#busy;
    if (busy === null || !busy.isBusy(error)) return false;
    if (performance.now() - (jobs[0] as Job).since >= busy.timeoutMs) return false;
    this.#queue = jobs.concat(this.#queue);
    this.#retryDelayMs = Math.min(Math.max(1, this.#retryDelayMs * 2), busy.maxDelayMs);
    this.#retry = setTimeout(() => this.flush(), this.#retryDelayMs);
    return true;
  }

  #report(writes: number, started: number, error?: unknown): void {
    if (!this.#onCommit) return;
    const info: CommitInfo = {writes, durationMs: performance.now() - started};
    if (error !== undefined) info.error = error;
    try {
      this.#onCommit(info);
    } catch {
      // A failing metrics hook must not turn a committed write into a rejected one.
    }
  }
}
