/**
 * Visits every item of a collection once per interval, spread over the interval in `slices` equal
 * steps instead of all in one tick: with 10,000 sockets a heartbeat is 20 short turns of 500
 * sockets, not one long one that holds up every request behind it. Each round works on a snapshot
 * taken at its start; items added meanwhile wait for the next round (an item removed meanwhile is
 * still visited once, so `visit` must accept a closed item).
 */
export class SpreadSweep<T> {
  readonly #timer: NodeJS.Timeout;
  #round: T[] = [];
  #next = 0;
  #perSlice = 0;
  #slice = 0;

  /** Starts the (unref'd) timer; the first round begins one slice after construction. */
  constructor(intervalMs: number, items: () => Iterable<T>, visit: (item: T) => void, slices = 20) {
    this.#timer = setInterval(
      () => {
        if (this.#slice === 0) {
          this.#round = [...items()];
          this.#next = 0;
          this.#perSlice = Math.ceil(this.#round.length / slices);
        }
        const end = Math.min(this.#round.length, this.#next + this.#perSlice);
        for (; this.#next < end; this.#next++) visit(this.#round[this.#next] as T);
        this.#slice = (this.#slice + 1) % slices;
        if (this.#slice === 0) this.#round = [];
      },
      Math.max(1, intervalMs / slices)
    );
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#round = [];
  }
}
