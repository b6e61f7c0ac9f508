/**
 * Per-key batching: items for one key that arrive while a batch for that key is running wait and
 * then run together as the next batch, in arrival order. Different keys never wait for each other.
 * The Redis store uses it so that parallel changes of one session from one instance become one
 * compare-and-set instead of a queue of them (and never race each other).
 */
export class KeyedBatches<I, R> {
  readonly #run: (key: string, items: I[]) => Promise<R[]>;
  readonly #waiting = new Map<
    string,
    {item: I; resolve: (r: R) => void; reject: (e: unknown) => void}[]
  >();
  readonly #running = new Set<string>();

  /** `run` gets a key and its items, and must return one result per item, in order. */
  constructor(run: (key: string, items: I[]) => Promise<R[]>) {
    this.#run = run;
  }

  /** Adds an item; resolves with its own result once its batch has run. */
  add(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const list = this.#waiting.get(key);
      if (list) list.push({item, resolve, reject});
      else this.#waiting.set(key, [{item, resolve, reject}]);
      if (!this.#running.has(key)) void this.#drain(key);
    });
  }

  async #drain(key: string): Promise<void> {
    this.#running.add(key);
    try {
      for (let batch = this.#waiting.get(key); batch; batch = this.#waiting.get(key)) {
        this.#waiting.delete(key);
        try {
          const results = await this.#run(
            key,
            batch.map((w) => w.item)
          );
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.#running.delete(key);
    }
  }
}
