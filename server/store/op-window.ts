/**
 * The stored form of a session's op-id window (issue 15): the same ids in the same order as
 * {@link SessionRecord.ops}, written as runs, so the usual window of one client (`<clientId>:<seq>`
 * with the counter rising by one per visit) takes a few dozen characters instead of 256 JSON
 * strings. Lossless: {@link decodeOpWindow} gives back exactly the array {@link encodeOpWindow}
 * got, so dedupe (applyOp in ops.ts) is as exact as before. See docs/sync.md "Stored op ids".
 *
 * Grammar (`,` `*` `^` are outside the op-id alphabet, so nothing is escaped):
 * - the window is its runs joined by `,`; the empty window is the empty string;
 * - a run is `ID` (one id), `ID*K` (K ≥ 2 ids: ID, then the same prefix with the counter + 1, …),
 *   or `^N` / `^N*K`: the same, with the previous run's prefix and counter N.
 *
 * An id's counter is its trailing decimal digits without leading zeros (at most 15 of them, so
 * every counter is an exact double); the prefix is the rest: `a:007` is prefix `a:00`, counter 7.
 * So `prefix + String(counter)` is always the id itself. An id without a trailing digit is a run
 * of its own. Rows from before (a JSON array, always starting with `[`) still decode.
 */
import {APPLIED_OPS_KEPT} from '../../shared/index.js';

/** The most counter digits (10^15 - 1 is below Number.MAX_SAFE_INTEGER). */
const MAX_COUNTER_DIGITS = 15;

interface Counted {
  prefix: string;
  counter: number;
}

/** The id as prefix and counter, or null when it ends without a digit. */
function split(id: string): Counted | null {
  let start = id.length;
  while (start > 0 && isDigit(id.charCodeAt(start - 1))) start--;
  if (start === id.length) return null;
  // Leading zeros and digits past 15 belong to the prefix; the counter keeps at least one digit.
  while (id.length - start > 1 && (id.length - start > MAX_COUNTER_DIGITS || id[start] === '0')) {
    start++;
  }
  return {prefix: id.slice(0, start), counter: Number(id.slice(start))};
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The stored text of a window (oldest id first). */
export function encodeOpWindow(ids: readonly string[]): string {
  const runs: string[] = [];
  let prefix: string | null = null;
  // Ids of this prefix can be read in place (it does not end with a digit; see counterAfter).
  let plain = false;
  let first = '';
  let next = 0;
  let count = 0;
  const close = () => {
    if (count > 0) runs.push(count > 1 ? `${first}*${count}` : first);
  };
  for (const id of ids) {
    // The usual id, `<prefix><counter>` with the run's prefix: no split, no new strings.
    const n = plain ? counterAfter(id, prefix as string) : -1;
    if (n === next) {
      count++;
      next++;
      continue;
    }
    close();
    count = 1;
    if (n >= 0) {
      first = `^${n}`;
      next = n + 1;
      continue;
    }
    const c = split(id);
    if (!c) {
      prefix = null;
      plain = false;
      first = id;
      continue;
    }
    first = c.prefix === prefix ? `^${c.counter}` : id;
    prefix = c.prefix;
    plain = prefix.length > 0 && !isDigit(prefix.charCodeAt(prefix.length - 1));
    next = c.counter + 1;
  }
  close();
  return runs.join(',');
}

/**
 * The counter of `id` when it is `prefix` followed by a counter as {@link split} reads it (1 to 15
 * digits, no leading zero), else -1. Only for a prefix that does not end with a digit: then the
 * trailing digits of `id` are exactly those after the prefix, so split would give the same.
 */
function counterAfter(id: string, prefix: string): number {
  const start = prefix.length;
  const digits = id.length - start;
  if (digits < 1 || digits > MAX_COUNTER_DIGITS || !id.startsWith(prefix)) return -1;
  if (digits > 1 && id.charCodeAt(start) === 48) return -1;
  let n = 0;
  for (let i = start; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * The window a stored text (or an old row's JSON array) holds. Throws a SyntaxError on text no
 * version of this code writes, rather than guess.
 */
export function decodeOpWindow(stored: string | readonly string[]): string[] {
  if (Array.isArray(stored)) return checked(stored.slice());
  const text = stored as string;
  if (text === '') return [];
  if (text.startsWith('[')) return checked(JSON.parse(text) as unknown[]);
  const ids: string[] = [];
  let prefix: string | null = null;
  for (const run of text.split(',')) {
    const star = run.indexOf('*');
    const head = star < 0 ? run : run.slice(0, star);
    const count = star < 0 ? 1 : Number(run.slice(star + 1));
    if (!Number.isInteger(count) || count < 1 || ids.length + count > APPLIED_OPS_KEPT) {
      throw new SyntaxError('The stored op-id window has a bad run length.');
    }
    let c: Counted | null;
    if (head.startsWith('^')) {
      if (prefix === null)
        throw new SyntaxError('The stored op-id window has no prefix to repeat.');
      c = split(`${prefix}${head.slice(1)}`);
      if (c?.prefix !== prefix) throw new SyntaxError('The stored op-id window has a bad counter.');
    } else {
      c = split(head);
      if (head === '' || (!c && count > 1)) {
        throw new SyntaxError('The stored op-id window has an empty or uncounted run.');
      }
    }
    prefix = c ? c.prefix : null;
    if (!c) ids.push(head);
    else for (let i = 0; i < count; i++) ids.push(`${c.prefix}${c.counter + i}`);
  }
  return ids;
}

function checked(ids: unknown[]): string[] {
  if (!ids.every((id) => typeof id === 'string')) {
    throw new SyntaxError('The stored op-id window holds something else than op ids.');
  }
  return ids as string[];
}
