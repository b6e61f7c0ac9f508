/**
 * A session's op-id window (issue 15): the last applied op ids ({@link APPLIED_OPS_KEPT} at most),
 * oldest first, held as text in this compact form everywhere, in memory as on disk, so an op costs
 * the few runs of the window and not its 256 ids: {@link rememberOpId} dedupes and appends in one
 * pass over the runs, and nothing encodes or decodes a window on the way to or from a store. The
 * usual window of one client (`<clientId>:<seq>` with the counter rising by one per visit) is one
 * run of a few dozen characters. Exact: {@link decodeOpWindow} gives back exactly the ids
 * {@link encodeOpWindow} got, and {@link rememberOpId} gives exactly the text encodeOpWindow would
 * give for the window with the id appended (a property test checks both). See docs/sync.md
 * "Stored op ids".
 *
 * Grammar (`,` `*` `^` are outside the op-id alphabet, so nothing is escaped):
 * - the window is its runs joined by `,`; the empty window is the empty string;
 * - a run is `ID` (one id), `ID*K` (K ≥ 2 ids: ID, then the same prefix with the counter + 1, …),
 *   or `^N` / `^N*K`: the same, with the previous run's prefix and counter N.
 *
 * An id's counter is its trailing decimal digits without leading zeros (at most 15 of them, so
 * every counter is an exact double); the prefix is the rest: `a:007` is prefix `a:00`, counter 7.
 * So `prefix + String(counter)` is always the id itself. An id without a trailing digit is a run
 * of its own; a run grows only while its prefix does not end with a digit. Rows from before (a JSON
 * array, always starting with `[`) still read ({@link storedOpWindow}).
 */
import {APPLIED_OPS_KEPT} from '../../shared/index.js';

/** The most counter digits (10^15 - 1 is below Number.MAX_SAFE_INTEGER). */
const MAX_COUNTER_DIGITS = 15;
/** `^`: a run that repeats the previous run's prefix. */
const CARET = 94;

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

/** A window in its compact text form (see above); `''` is the empty one. */
export type OpWindow = string;

/** The window text of these ids (oldest first). */
export function encodeOpWindow(ids: readonly string[]): OpWindow {
  const runs: Run[] = [];
  for (const id of ids) appendId(runs, id, split(id));
  return writeRuns(runs);
}

/** The counter `text` holds from `start` on (1 to 15 digits, no leading zero), else -1. */
function counterAt(text: string, start: number): number {
  const digits = text.length - start;
  if (digits < 1 || digits > MAX_COUNTER_DIGITS) return -1;
  if (digits > 1 && text.charCodeAt(start) === 48) return -1;
  let n = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
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
  if (typeof stored !== 'string') return checked(stored.slice());
  if (stored.startsWith('[')) return checked(JSON.parse(stored) as unknown[]);
  const ids: string[] = [];
  for (const run of parseRuns(stored)) {
    if (run.prefix === null) ids.push(run.id);
    else for (let i = 0; i < run.count; i++) ids.push(`${run.prefix}${run.first + i}`);
  }
  return ids;
}

function checked(ids: unknown[]): string[] {
  if (!ids.every((id) => typeof id === 'string')) {
    throw new SyntaxError('The stored op-id window holds something else than op ids.');
  }
  return ids as string[];
}

/** A window as stored (the compact text, or an old row's JSON array): checked, in the compact form. */
export function storedOpWindow(stored: string | readonly string[]): OpWindow {
  if (typeof stored !== 'string' || stored.charCodeAt(0) === 91) {
    return encodeOpWindow(decodeOpWindow(stored));
  }
  parseRuns(stored);
  return stored;
}

/**
 * The window with `id` applied last (its oldest id dropped once it holds more than
 * APPLIED_OPS_KEPT), or null when `id` is in it already (a resend: nothing to apply). One pass
 * over the runs, not over the ids.
 */
export function rememberOpId(window: OpWindow, id: string): OpWindow | null {
  const runs = parseRuns(window);
  const c = split(id);
  let total = 0;
  for (const run of runs) {
    total += run.count;
    if (run.prefix === null ? run.id === id : contains(run, c)) return null;
  }
  appendId(runs, id, c);
  for (total++; total > APPLIED_OPS_KEPT; total--) {
    const first = runs[0] as Run;
    if (first.count === 1) runs.shift();
    else {
      first.first++;
      first.count--;
    }
  }
  return writeRuns(runs);
}

/** One run: `count` ids `prefix + (first + i)`, or (prefix null) the one id `id`. */
interface Run {
  prefix: string | null;
  first: number;
  count: number;
  id: string;
}

/** The run that `id` (split as `c`) starts, `count` ids long. */
function runOf(c: Counted | null, id: string, count: number): Run {
  return c ? {prefix: c.prefix, first: c.counter, count, id} : {prefix: null, first: 0, count, id};
}

/**
 * Appends `id` (split as `c`) as the newest id: the last run grows when `id` is its next counter
 * and its prefix has no trailing digit (then the id's digits are exactly the counter), else `id`
 * starts a run of its own. The one rule of both encodeOpWindow and rememberOpId.
 */
function appendId(runs: Run[], id: string, c: Counted | null): void {
  const last = runs.at(-1);
  if (
    c &&
    last?.prefix === c.prefix &&
    plainPrefix(c.prefix) &&
    c.counter === last.first + last.count
  ) {
    last.count++;
  } else runs.push(runOf(c, id, 1));
}

function contains(run: Run, c: Counted | null): boolean {
  return (
    c !== null &&
    c.prefix === run.prefix &&
    c.counter >= run.first &&
    c.counter < run.first + run.count
  );
}

function plainPrefix(prefix: string): boolean {
  return prefix.length > 0 && !isDigit(prefix.charCodeAt(prefix.length - 1));
}

// The runs of a window text, checked as decodeOpWindow checks them (a SyntaxError on text no
// version of this code writes).
function parseRuns(text: string): Run[] {
  const runs: Run[] = [];
  if (text === '') return runs;
  let prefix: string | null = null;
  let total = 0;
  for (const part of text.split(',')) {
    const star = part.indexOf('*');
    const head = star < 0 ? part : part.slice(0, star);
    const count = star < 0 ? 1 : Number(part.slice(star + 1));
    total += count;
    if (!Number.isInteger(count) || count < 1 || total > APPLIED_OPS_KEPT) {
      throw new SyntaxError('The stored op-id window has a bad run length.');
    }
    let c: Counted | null;
    if (head.charCodeAt(0) === CARET) {
      if (prefix === null)
        throw new SyntaxError('The stored op-id window has no prefix to repeat.');
      // After a prefix with no trailing digit, `^N` is valid exactly when N is a counter.
      const n: number = plainPrefix(prefix) ? counterAt(head, 1) : -1;
      c = n >= 0 ? {prefix, counter: n} : split(`${prefix}${head.slice(1)}`);
      if (c?.prefix !== prefix) throw new SyntaxError('The stored op-id window has a bad counter.');
    } else {
      c = split(head);
      if (head === '' || (!c && count > 1)) {
        throw new SyntaxError('The stored op-id window has an empty or uncounted run.');
      }
    }
    prefix = c ? c.prefix : null;
    runs.push(runOf(c, head, count));
  }
  return runs;
}

// The text of runs, as encodeOpWindow writes it: a run repeats the previous run's prefix as `^`.
function writeRuns(runs: readonly Run[]): OpWindow {
  let prefix: string | null = null;
  let text = '';
  for (const run of runs) {
    let head: string;
    if (run.prefix === null) head = run.id;
    else head = run.prefix === prefix ? `^${run.first}` : `${run.prefix}${run.first}`;
    prefix = run.prefix;
    if (text !== '') text += ',';
    text += run.count > 1 ? `${head}*${run.count}` : head;
  }
  return text;
}
