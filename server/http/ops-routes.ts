import {MoinError, isMoinError} from '../../shared/index.js';
import type {ServiceParts} from '../service-parts.js';
import {API_HEADERS, sendBody, sendJson} from './respond.js';
import type {Router} from './router.js';

/** `GET /healthz` and `GET /metrics`. Neither reads or sets the session cookie. */
export function addOpsRoutes(router: Router, parts: ServiceParts): void {
  const {store, metrics, engine} = parts;

  router.add('/healthz', {
    GET: async (_req, res) => {
      try {
        await store.ping();
      } catch (err) {
        throw isMoinError(err) ? err : new MoinError('store_unavailable');
      }
      sendJson(res, 200, {ok: true}, API_HEADERS);
    },
  });

  router.add('/metrics', {
    GET: async (_req, res) => {
      // Sampled at scrape time: one count of live sessions by the store.
      try {
        metrics.sessions.set(await store.count(engine.now()));
      } catch {
        // An unreachable store must not hide the other metrics (they show the errors).
      }
      const text = await metrics.registry.metrics();
      sendBody(res, 200, text, {
        'content-type': metrics.registry.contentType,
        'cache-control': 'no-store',
      });
    },
  });
}
