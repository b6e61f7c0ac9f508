import type {Histogram} from 'prom-client';
import type {SessionStore} from './store/types.js';

const TIMED = Symbol.for('moin-session.store-timed');

const OPS = [
  'get',
  'insert',
  'mutate',
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
    const original = (store[op] as (...args: unknown[]) => Promise<unknown>).bind(store);
    target[op] = async (...args: unknown[]) => {
      const end = histogram.startTimer({op});
      try {
        return await original(...args);
      } finally {
        end();
      }
    };
  }
}
