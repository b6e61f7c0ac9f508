// Printing helpers shared by the bench scripts.

/** 12345.6 → "12,346". */
export const int = (n) => Math.round(n).toLocaleString('en-US');

/** A ratio as "4.12×". */
export const times = (n) => `${n.toFixed(2)}×`;

/** Pads a label to a column. */
export const pad = (s, n) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** "ok" or "MISSED" for a ratio against a goal (at least). */
export const verdict = (value, goal) => (value >= goal ? 'ok' : 'MISSED');

/** True when this module file is the script node was started with. */
export function isMain(importMetaUrl) {
  const arg = process.argv[1];
  return arg !== undefined && new URL(importMetaUrl).pathname === arg;
}
