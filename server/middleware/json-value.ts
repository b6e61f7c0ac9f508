/**
 * Checks that a value is plain JSON data that survives a round trip unchanged: null, booleans,
 * finite numbers, strings, arrays and plain objects of those, without cycles. Throws a TypeError
 * naming the path of the first offending part (`value.list[2]: a function is not JSON data`).
 */
export function assertJsonValue(value: unknown, path = 'value'): void {
  check(value, path, new Set());
}

function check(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not JSON data`);
    return;
  }
  if (typeof value !== 'object') {
    const what = value === undefined ? 'undefined' : `a ${typeof value}`;
    throw new TypeError(`${path}: ${what} is not JSON data`);
  }
  if (seen.has(value)) throw new TypeError(`${path}: a cycle is not JSON data`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => check(item, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as {constructor?: {name?: string}}).constructor?.name ?? 'object';
      throw new TypeError(`${path}: a ${name} is not JSON data (use plain objects)`);
    }
    for (const [k, v] of Object.entries(value)) check(v, `${path}.${k}`, seen);
  }
  seen.delete(value);
}

/** A deep copy of checked JSON data. */
export function copyJson<T>(value: T): T {
  return value === null || typeof value !== 'object'
    ? value
    : (JSON.parse(JSON.stringify(value)) as T);
}
