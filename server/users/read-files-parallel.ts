import * as fs from 'node:fs';
import * as path from 'node:path';
import {Worker} from 'node:worker_threads';

// Reading a wiki's 50,000 user files one after the other waits for the disk 50,000 times (7–9 s
// with a cold page cache here); libuv's pool, with a round trip through the event loop for each
// open, read and close, is slower than that once the files are cached. So the files are read in
// chunks with plain blocking reads by the main thread (between chunks it yields to the event
// loop). When its first chunk shows the disk is cold (reads slower than COLD_US a file), a few
// worker threads join as soon as they have booted, for several reads in flight. With the files
// cached, workers only cost: about 100 ms of CPU each to boot, and contention on 2 cores. Each
// reader takes the next chunk from one shared counter. The readers only read bytes; parsing stays
// with moin-user-file.ts on the main thread.

/** Files per chunk: a chunk blocks the main thread for a few ms warm, some tens of ms cold. */
const CHUNK = 250;
/** At most this many worker threads, and one per this many files. */
const MAX_THREADS = 6;
const FILES_PER_THREAD = 5000;
/** A first chunk read slower than this per file (µs) means the files come from the disk. */
const COLD_US = 80;

/** What one chunk read: the bytes of its files back to back, and where each one ends (-1: none). */
interface ChunkRead {
  data: Uint8Array;
  ends: Int32Array;
}

/** A reader's buffers, kept from chunk to chunk: one file's read, and the chunk's bytes. */
interface Buffers {
  scratch: Buffer;
  out: Buffer;
}

/**
 * Reads `names[from..to)` in `dir` with blocking calls; `data` is a view of `bufs.out` (grown when
 * a chunk needs more), valid until the next call. Self-contained (it is also the body of the
 * worker threads, by its source text): it uses only its arguments.
 */
function readChunk(
  fsm: typeof fs,
  join: typeof path.join,
  dir: string,
  names: readonly string[],
  from: number,
  to: number,
  bufs: Buffers
): ChunkRead {
  const scratch = bufs.scratch;
  let out = bufs.out;
  let used = 0;
  const ends = new Int32Array(to - from);
  for (let i = from; i < to; i++) {
    const file = join(dir, names[i]!);
    let bytes: Buffer | null;
    try {
      const fd = fsm.openSync(file, 'r');
      try {
        const n = fsm.readSync(fd, scratch, 0, scratch.length, 0);
        bytes = n < scratch.length ? scratch.subarray(0, n) : fsm.readFileSync(file);
      } finally {
        fsm.closeSync(fd);
      }
    } catch {
      bytes = null; // removed meanwhile, a folder, no permission
    }
    if (bytes === null) {
      ends[i - from] = -1;
      continue;
    }
    if (used + bytes.length > out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + bytes.length));
      out.copy(bigger, 0, 0, used);
      out = bigger;
    }
    bytes.copy(out, used);
    used += bytes.length;
    ends[i - from] = used;
  }
  bufs.out = out;
  return {data: out.subarray(0, used), ends};
}

const WORKER_SOURCE = `
const fs = require('node:fs');
const {join} = require('node:path');
const {parentPort, workerData} = require('node:worker_threads');
const readChunk = ${readChunk.toString()};
const {dir, names, next, chunk} = workerData;
const counter = new Int32Array(next);
const bufs = {scratch: Buffer.allocUnsafe(65536), out: Buffer.allocUnsafe(1 << 20)};
for (;;) {
  const c = Atomics.add(counter, 0, 1);
  const from = c * chunk;
  if (from >= names.length) break;
  const {data, ends} = readChunk(fs, join, dir, names, from, Math.min(from + chunk, names.length), bufs);
  const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
  parentPort.postMessage({c, data: copy, ends}, [copy, ends.buffer]);
}
parentPort.postMessage({c: -1});
`;

/**
 * The contents of `names` in `dir`, in order (null for a file that could not be read: removed
 * meanwhile, a folder, no permission). `threads`: start that many workers whatever the disk;
 * `main: false`: leave every chunk to them (tests).
 */
export async function readFilesParallel(
  dir: string,
  names: readonly string[],
  options: {threads?: number; main?: boolean} = {}
): Promise<(Buffer | null)[]> {
  const out: (Buffer | null)[] = new Array<Buffer | null>(names.length).fill(null);
  const place = (c: number, {data, ends}: ChunkRead) => {
    const all = Buffer.from(data.buffer, data.byteOffset, data.length);
    let start = 0;
    ends.forEach((end, i) => {
      if (end < 0) return;
      out[c * CHUNK + i] = all.subarray(start, end);
      start = end;
    });
  };
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const threads =
    options.threads ?? Math.min(MAX_THREADS, Math.floor(names.length / FILES_PER_THREAD));
  const start = (n: number) =>
    Array.from({length: n}, () => runWorker({dir, names, next, chunk: CHUNK}, place));
  let workers: Promise<void>[] | null =
    threads === 0 ? [] : options.threads !== undefined ? start(threads) : null;
  const bufs: Buffers = {scratch: Buffer.allocUnsafe(65536), out: Buffer.allocUnsafe(1 << 20)};
  while (options.main !== false) {
    const c = Atomics.add(counter, 0, 1);
    const from = c * CHUNK;
    if (from >= names.length) break;
    const to = Math.min(from + CHUNK, names.length);
    const t0 = performance.now();
    // Copied out of the reused buffer, to its exact size, as a worker's chunk is.
    const read = readChunk(fs, path.join, dir, names, from, to, bufs);
    place(c, {data: Buffer.from(read.data), ends: read.ends});
    if (workers === null) {
      const cold = ((performance.now() - t0) * 1000) / (to - from) > COLD_US;
      workers = start(cold ? threads : 0);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(workers ?? []);
  return out;
}

function runWorker(
  workerData: {dir: string; names: readonly string[]; next: SharedArrayBuffer; chunk: number},
  place: (c: number, read: ChunkRead) => void
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {eval: true, workerData});
    worker.on('message', (m: {c: number; data?: ArrayBuffer; ends?: Int32Array}) => {
      if (m.c < 0) return resolve();
      place(m.c, {data: new Uint8Array(m.data!), ends: m.ends!});
    });
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });
}
