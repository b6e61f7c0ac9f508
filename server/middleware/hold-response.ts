import type {ServerResponse} from 'node:http';

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
const METHODS: Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];

/**
 * Holds a response back until `beforeHeaders` has run: the first call that would send headers
 * (`writeHead`, `write`, `end`, `flushHeaders`) and every call after it are queued, `beforeHeaders`
 * runs (it may still set headers), then the queued calls run in order on the real methods.
 * This is how the session is saved *before* the response leaves, so a redirect's next request
 * sees the saved values (express-session saves after; its issues #360 and #704).
 * `onError` answers instead when `beforeHeaders` fails; the queued calls are dropped.
 */
export function holdResponse(
  res: ServerResponse,
  beforeHeaders: () => Promise<void>,
  onError: (err: unknown) => void
): void {
  const originals = new Map<Method, (...args: unknown[]) => unknown>();
  const queue: [Method, unknown[]][] = [];
  let started = false;

  const release = () => {
    for (const m of METHODS) delete (res as unknown as Record<string, unknown>)[m];
  };
  const run = () => {
    started = true;
    beforeHeaders().then(
      () => {
        release();
        for (const [m, args] of queue.splice(0)) {
          const real = originals.get(m) as (...a: unknown[]) => unknown;
          real.apply(res, m === 'writeHead' ? keepSetCookie(res, args) : args);
        }
      },
      (err: unknown) => {
        release();
        queue.length = 0;
        onError(err);
      }
    );
  };

  for (const m of METHODS) {
    const original = res[m] as (...args: unknown[]) => unknown;
    originals.set(m, original);
    // Own properties shadow the prototype's methods; `release` deletes them again.
    (res as unknown as Record<string, unknown>)[m] = function held(...args: unknown[]) {
      queue.push([m, args]);
      if (!started) run();
      if (m === 'write') {
        // Report the write as accepted; a callback still fires once it really happens.
        return true;
      }
      return m === 'flushHeaders' ? undefined : res;
    };
  }
}

/**
 * Headers given to `writeHead` replace those set before; a `Set-Cookie` there would drop the one
 * `beforeHeaders` set. Returns the arguments with both cookies kept (the caller's object untouched).
 */
function keepSetCookie(res: ServerResponse, args: unknown[]): unknown[] {
  const ours = res.getHeader('set-cookie');
  if (ours === undefined) return args;
  return args.map((arg) => {
    if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return arg;
    const headers = {...(arg as Record<string, unknown>)};
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() === 'set-cookie') headers[k] = [...list(headers[k]), ...list(ours)];
    }
    return headers;
  });
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
}
