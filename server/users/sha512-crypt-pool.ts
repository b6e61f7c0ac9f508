import {Worker} from 'node:worker_threads';

// sha512_crypt at passlib's 656,000 rounds is seconds of pure JavaScript (unixcrypt has no native
// part), so it runs on one worker thread: the event loop keeps serving everyone else meanwhile.
// The worker is a data: URL module that imports unixcrypt by its resolved file URL, so it works
// from the TypeScript sources (tests) and from dist/ alike.
const WORKER_SOURCE = `
import {encrypt} from ${JSON.stringify(import.meta.resolve('unixcrypt'))};
import {parentPort} from 'node:worker_threads';
parentPort.on('message', ([id, password, setting]) => {
  let out = null;
  try { out = encrypt(password, setting); } catch { out = null; }
  parentPort.postMessage([id, out]);
});`;

type Pending = {resolve: (hash: string | null) => void};

/** One worker computing `$6$` hashes in order; idle, it does not keep the process alive. */
export class Sha512CryptPool {
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #next = 0;

  /** The full `$6$…` hash of `password` under `setting` (`$6$[rounds=N$]salt`), or null. */
  hash(password: string, setting: string): Promise<string | null> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, {resolve});
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage([id, password, setting]);
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`));
    w.unref();
    w.on('message', ([id, out]: [number, string | null]) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (this.#pending.size === 0) w.unref();
      p?.resolve(out);
    });
    const fail = () => {
      // A crashed worker answers "no match" to everything it had; the next call starts a new one.
      if (this.#worker === w) this.#worker = null;
      for (const p of this.#pending.values()) p.resolve(null);
      this.#pending.clear();
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.#worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}
