/**
 * The Levenshtein distance between two strings (insertions, deletions and substitutions cost 1),
 * computed with one row; `limit` stops early once every cell is past it (returns limit + 1).
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let row = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const cell = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + cost);
      next.push(cell);
      best = Math.min(best, cell);
    }
    if (best > limit) return limit + 1;
    row = next;
  }
  return row[b.length]!;
}

/**
 * The candidate a misspelled `name` most likely meant, for "did you mean": the nearest by edit
 * distance (case-insensitive), if it is within a third of the name's length (at least 1, at most
 * 3 edits); ties go to the earlier candidate. `undefined` when nothing is that close.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(wanted, c.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
