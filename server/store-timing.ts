import type {Histogram} from 'prom-client';
import type {SessionStore} from './store/types.js';

const TIMED = Symbol.for('moin-session.store-timed');

const OPS = [
  'get',
  'insert',
  'mutate',
  'touchLater',
  'destroy',
  'revokeUser',
  'list',
  'count',
  'purgeExpired',
  'appendAudit',
  'listAudit',
  'ping',
] as const;

/**
 * Times every call of the store's operations into `histogram` (label `op`). The store object is
 * wrapped in place, once, by createSessionService before any part holds it, so the engine, the
 * HTTP API and the socket hub are all timed alike.
 */
export function timeStoreCalls(store: SessionStore, histogram: Histogram<'op'>): void {
  const target = store as unknown as Record<string | symbol, unknown>;
  if (target[TIMED]) return;
  target[TIMED] = true;
  for (const op of OPS) {
    const original = store[op] as (a?: unknown, b?: unknown, c?: unknown) => Promise<unknown>;
    const labels = {op};
    // On the hottest path (every request reads the store): no async function, no bound function
    // and no rest arguments. Every store method takes at most three arguments.
    target[op] = (a?: unknown, b?: unknown, c?: unknown) => {
      const started = performance.now();
      const observe = () => histogram.observe(labels, (performance.now() - started) / 1000);
      let result: Promise<unknown>;
      try {
        result = original.call(store, a, b, c);
      } catch (error) {
        observe();
        return Promise.reject(error);
      }
      return result.then(
        (value) => {
          observe();
          return value;
        },
        (error: unknown) => {
          observe();
          throw error;
        }
      );
    };
  }
}
