import {Worker} from 'node:worker_threads';
import {MoinError} from '../../shared/index.js';
import type {CommitInfo} from './sqlite-group-commit.js';
import type {BatchStamp, SqliteReadCache} from './sqlite-read-cache.js';
import {SqliteWriter, type WriterSettings} from './sqlite-writer.js';
import {hostWriter} from './sqlite-writer-host.js';
import type {WriterData} from './sqlite-writer-worker.js';
import {
  asBuffer,
  dataToError,
  isPinned,
  isRecord,
  type FromWriter,
  type MutatedData,
  type RecordRef,
  type ToWriter,
  type WriteJob,
} from './sqlite-writer-messages.js';
import {applyOp} from './ops.js';
import type {SessionRecord} from './types.js';

/** What the writer thread tells the store, besides settling its writes. */
export interface WriterEvents {
  /** A batch committed or failed: before its writes settle, so a read after an ack sees them. */
  batch(stamps: BatchStamp[], commits: CommitInfo[], writeError: MoinError | null): void;
  /** Another process committed to the file. */
  external(): void;
  /** The thread stopped (or could not open the file); its writes were rejected, a new one starts. */
  crashed(error: MoinError): void;
  /** A (new) thread has the file open. */
  ready(): void;
  /** The main thread's read cache, if any (records the writer then need not send back). */
  cache?: () => SqliteReadCache | null;
  /** Every thread started, for tests that need to stop one (`worker.terminate()`). */
  started?: (worker: Worker) => void;
}

interface Pending {
  job: WriteJob;
  /** A mutate's session as the main thread's cache held it when the batch was sent. */
  pinned?: SessionRecord;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The longest wait before starting a writer thread again after one crashed, in ms. */
const MAX_RESTART_DELAY_MS = 2000;

/**
 * The main thread's end of the SQLite writer: a worker thread that owns the write connection.
 * Writes queued in one event-loop turn go to it as one batch (one transaction); while a batch is
 * in flight the next one grows here and is sent the moment the first is done (pipelined group
 * commit: at most one batch in flight). Each write's promise settles after the thread's COMMIT.
 *
 * If the thread dies, the writes in flight and queued are rejected with `store_unavailable` (none
 * of them is acknowledged; what they wrote may or may not be in the file), writes fail at once
 * while it is down, and a new thread is started; the store recovers by itself.
 */
export class WriterThread {
  readonly #file: string;
  readonly #data: WriterData;
  readonly #events: WriterEvents;
  #worker: Worker | null = null;
  #ready = false;
  #down: MoinError | null = null;
  #closing = false;
  #queue: Pending[] = [];
  #inFlight: Pending[] | null = null;
  #scheduled: NodeJS.Immediate | null = null;
  #restartDelayMs = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #onIdle: (() => void) | null = null;
  #idle: Promise<void> | null = null;
  #exited: Promise<void> = Promise.resolve();
  /** Set when the writer runs on this thread (no worker): how a message reaches it. */
  #inlineHandle: ((message: ToWriter) => void) | null = null;
  readonly #inline: boolean;

  /** `thread` false: the writer runs on this thread, as before issue 15 (for one-core hosts). */
  constructor(
    file: string,
    settings: WriterSettings,
    pollIntervalMs: number,
    events: WriterEvents,
    thread = true
  ) {
    this.#file = file;
    this.#data = {file, settings, pollIntervalMs};
    this.#events = events;
    this.#inline = !thread;
    this.#start();
  }

  /** Queues one write; resolves with its result after COMMIT. */
  enqueue(job: WriteJob): Promise<unknown> {
    if (this.#down) return Promise.reject(this.#down);
    return new Promise((resolve, reject) => {
      this.#queue.push({job, resolve, reject});
      this.#worker?.ref(); // a write under way keeps the process alive until it settles
      if (this.#inFlight === null && this.#ready)
        this.#scheduled ??= setImmediate(() => this.#send());
    });
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === null) return Promise.resolve();
    this.#idle ??= new Promise<void>((resolve) => (this.#onIdle = resolve));
    return this.#idle;
  }

  /** Lets what is queued commit, then ends the thread (it closes its connection). */
  async close(): Promise<void> {
    if (this.#ready && this.#scheduled !== null) {
      clearImmediate(this.#scheduled);
      this.#send();
    }
    await this.idle();
    this.#closing = true;
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    if (this.#inlineHandle) {
      this.#post({type: 'close'});
      await this.#exited;
    }
    const worker = this.#worker;
    if (worker !== null) {
      worker.ref();
      this.#post({type: 'close'});
      const timer = setTimeout(() => void worker.terminate(), 5000).unref();
      await this.#exited;
      clearTimeout(timer);
    }
  }

  #start(): void {
    this.#restartTimer = null;
    if (this.#inline) {
      this.#startInline();
      return;
    }
    const {url, execArgv} = writerEntry();
    const worker = new Worker(url, {workerData: this.#data, ...(execArgv ? {execArgv} : {})});
    this.#worker = worker;
    this.#ready = false;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    let failure: MoinError | null = null;
    worker.on('message', (message: FromWriter) => {
      if (message.type === 'failed') failure = this.#stopped(dataToError(message.error).message);
      else this.#onMessage(message);
    });
    worker.on('error', (error) => (failure ??= this.#stopped(error.message)));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#ready = false;
      if (this.#closing) return;
      this.#crash(failure ?? this.#stopped(`the writer thread exited with code ${code}`));
    });
    // After the listeners: listening for messages refs the worker's port again.
    if (this.#queue.length === 0) worker.unref();
    this.#events.started?.(worker);
  }

  // Without a thread: the same writer and host on this thread (COMMIT blocks the event loop).
  #startInline(): void {
    let writer: SqliteWriter;
    try {
      writer = new SqliteWriter(this.#file, this.#data.settings);
    } catch (error) {
      this.#crash(this.#stopped(error instanceof Error ? error.message : String(error)));
      return;
    }
    let done: () => void = () => {};
    this.#exited = new Promise((resolve) => (done = resolve));
    const handle = hostWriter(writer, this.#data.pollIntervalMs, (m) => this.#onMessage(m), done);
    this.#inlineHandle = handle;
    queueMicrotask(() => this.#onMessage({type: 'ready'}));
  }

  #onMessage(message: FromWriter): void {
    if (message.type === 'done') this.#done(message);
    else if (message.type === 'external') this.#events.external();
    else if (message.type === 'ready') {
      this.#ready = true;
      this.#down = null;
      this.#events.ready();
      if (this.#queue.length > 0) this.#send();
    }
  }

  #stopped(reason: string): MoinError {
    return new MoinError(
      'store_unavailable',
      `The session store ${this.#file} could not be written: its writer thread stopped (${reason}); ` +
        'a new one is being started.'
    );
  }

  // Every write not yet acknowledged fails; writes fail at once until a new thread is ready.
  #crash(error: MoinError): void {
    this.#down = error;
    const lost = [...(this.#inFlight ?? []), ...this.#queue];
    this.#inFlight = null;
    this.#queue = [];
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    for (const p of lost) p.reject(error);
    this.#settleIdle();
    this.#events.crashed(error);
    this.#restartDelayMs = Math.min(Math.max(10, this.#restartDelayMs * 2), MAX_RESTART_DELAY_MS);
    this.#restartTimer = setTimeout(() => this.#start(), this.#restartDelayMs);
    this.#restartTimer.unref();
  }

  #send(): void {
    this.#scheduled = null;
    if (this.#inFlight !== null || !this.#ready || this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight = batch;
    const validAt = this.#pin(batch);
    this.#post({type: 'batch', jobs: batch.map((p) => p.job), validAt});
  }

  // Pins what the read cache holds of the sessions the batch mutates, so the writer need not send
  // them back; returns the header they are valid at (null: nothing pinned).
  #pin(batch: Pending[]): Buffer | null {
    const cache = this.#events.cache?.();
    if (!cache?.current()) return null;
    for (const p of batch) {
      if (p.job.type !== 'mutate') continue;
      p.pinned = cache.get(p.job.key, p.job.now);
      p.job.pinned = p.pinned !== undefined;
    }
    return cache.validAt();
  }

  #post(message: ToWriter): void {
    if (this.#inlineHandle) this.#inlineHandle(message);
    else this.#worker?.postMessage(message);
  }

  #done(message: Extract<FromWriter, {type: 'done'}>): void {
    const batch = this.#inFlight ?? [];
    this.#inFlight = null;
    this.#restartDelayMs = 0;
    // The results first: a mutate's record is its op applied again to the record it was applied
    // to in the writer (the same pure applyOp), so `{job: i}` refers to job i's result here.
    const made: (SessionRecord | undefined)[] = [];
    const deref = (ref: RecordRef, p?: Pending) =>
      (isRecord(ref) ? ref : isPinned(ref) ? p?.pinned : made[ref.job]) as SessionRecord;
    const values = message.outcomes.map((outcome, i) => {
      const p = batch[i] as Pending;
      const job = p.job;
      if (!outcome.ok || job.type !== 'mutate' || outcome.value === undefined) return outcome;
      const result = applyOp(deref((outcome.value as MutatedData).base, p), job.op);
      made[i] = result.record;
      return {ok: true as const, value: result};
    });
    const stamps = message.stamps.map((s) => ({
      before: s.before && asBuffer(s.before),
      after: s.after && asBuffer(s.after),
      wrote: s.wrote,
      effects: new Map(s.effects.map(([key, r]) => [key, r && deref(r)])),
    }));
    const commits = message.commits.map(({writes, durationMs, error}): CommitInfo => ({
      writes,
      durationMs,
      ...(error === undefined ? {} : {error: dataToError(error)}),
    }));
    const writeError = message.writeError && (dataToError(message.writeError) as MoinError);
    this.#events.batch(stamps, commits, writeError);
    // The next batch goes out at once: it grew while this one was being committed. After the
    // read cache took this batch, so what it holds is pinned for the next (see #pin).
    if (this.#queue.length > 0) this.#send();
    values.forEach((outcome, i) => {
      const p = batch[i] as Pending;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(dataToError(outcome.error));
    });
    this.#settleIdle();
  }

  #settleIdle(): void {
    if (this.#queue.length > 0 || this.#inFlight !== null) return;
    this.#worker?.unref();
    const resolve = this.#onIdle;
    this.#onIdle = this.#idle = null;
    resolve?.();
  }
}

// The compiled worker next to this module (dist/); run from the TypeScript sources (the tests),
// the .ts worker with a loader that transpiles it, so it runs the same code as this thread.
function writerEntry(): {url: URL; execArgv?: string[]} {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(`./sqlite-writer-worker.${source ? 'ts' : 'js'}`, import.meta.url);
  if (!source) return {url};
  const hooks = new URL('../../scripts/ts-worker-hooks.mjs', import.meta.url);
  return {url, execArgv: [...process.execArgv, '--import', hooks.href]};
}
