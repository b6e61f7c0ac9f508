/**
 * Watches the event loop: a 5 ms timer notes how late it fires. `stop()` ends the watch and
 * returns the largest stall seen, in ms (the longest time the loop ran nothing else).
 */
export function loopLag(everyMs = 5): {stop: () => number} {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const at = performance.now();
    worst = Math.max(worst, at - last - everyMs);
    last = at;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last - everyMs);
    },
  };
}
