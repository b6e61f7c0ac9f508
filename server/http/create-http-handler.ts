import type {IncomingMessage, ServerResponse} from 'node:http';
import {MoinError, isMoinError} from '../../shared/index.js';
import type {ServiceParts} from '../service-parts.js';
import {addApiRoutes} from './api-routes.js';
import {addBackendRoutes} from './backend-routes.js';
import {LoginQueue} from './login-queue.js';
import {LoginThrottle} from './login-throttle.js';
import {addOpsRoutes} from './ops-routes.js';
import {corsHeaders, judgeOrigin, preflightHeaders} from './origin.js';
import {API_HEADERS, sendError} from './respond.js';
import {Router, type Dispatch} from './router.js';
import {addStaticRoutes} from './static-routes.js';

/** Methods that change state: they need an acceptable `Origin` (docs/http.md "Origin checks"). */
const STATE_CHANGING = new Set(['POST', 'DELETE', 'PUT', 'PATCH']);

/**
 * The HTTP side of the service on plain `node:http`: the API of docs/http.md (except `/api/sync`),
 * `/healthz`, `/metrics`, the demo page and the client bundle. Every client error is a JSON
 * `{"error": {code, message}}`; a failure of ours is a logged 500 and the server keeps serving.
 */
export function createHttpHandler(
  parts: ServiceParts
): (req: IncomingMessage, res: ServerResponse) => void {
  const {config, logger, metrics} = parts;
  const throttle = new LoginThrottle({
    maxFailures: config.login_max_failures,
    windowSeconds: config.login_window_seconds,
    counter: parts.throttleCounter,
  });
  const router = new Router();
  const queue = new LoginQueue(config.login_concurrent_checks, config.login_queue_size);
  addApiRoutes(router, parts, throttle, queue);
  addBackendRoutes(router, parts);
  addOpsRoutes(router, parts);
  addStaticRoutes(router, parts.root);

  async function dispatch(req: IncomingMessage, res: ServerResponse, d: Dispatch): Promise<void> {
    if (d.kind === 'not_found') throw new MoinError('not_found');
    if (d.kind === 'method_not_allowed') {
      res.setHeader('allow', d.allow.join(', '));
      throw new MoinError(
        'method_not_allowed',
        `${req.method} is not allowed here; use ${d.allow.join(', ')}.`
      );
    }
    const verdict = judgeOrigin(req, config);
    if (verdict === 'allowed') {
      for (const [k, v] of Object.entries(corsHeaders(req.headers.origin!))) res.setHeader(k, v);
    }
    if (d.kind === 'options') {
      const preflight = req.headers.origin !== undefined;
      if (preflight && verdict === 'refused') throw new MoinError('bad_origin');
      res.writeHead(204, {
        ...API_HEADERS,
        allow: d.allow.join(', '),
        ...(verdict === 'allowed' ? preflightHeaders(d.allow) : {}),
      });
      res.end();
      return;
    }
    if (STATE_CHANGING.has(req.method ?? '') && verdict === 'refused') {
      throw new MoinError('bad_origin');
    }
    await d.handler(req, res, d.match);
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    let error: MoinError;
    if (isMoinError(err) && err.code !== 'internal_error') {
      error = err;
      if (err.code === 'store_unavailable') {
        logger.warn({event: 'store_unavailable', url: req.url}, err.message);
      }
    } else {
      logger.error(
        {event: 'internal_error', err, method: req.method, url: req.url},
        'request failed'
      );
      error = new MoinError('internal_error');
    }
    metrics.errors.inc({code: error.code});
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // After 413 the rest of the body is not read: close the connection instead of draining it.
    const close = error.code === 'body_too_large';
    if (close) res.shouldKeepAlive = false;
    sendError(res, error, close ? {connection: 'close'} : {});
  }

  return (req, res) => {
    const d = router.match(req.method, req.url);
    // Known paths only: the label set stays small whatever URLs clients send.
    const route =
      d.kind === 'not_found'
        ? 'unmatched'
        : d.kind === 'method_not_allowed'
          ? d.route
          : d.match.route;
    // Counted once the answer is decided (its status set), not on 'finish': a listener per
    // request costs more than the count. No 'error' listener on req either: without one Node
    // destroys the socket of an aborted request and emits nothing; body reads listen themselves.
    const count = () => metrics.httpRequests.inc({route, status: String(res.statusCode)});
    dispatch(req, res, d).then(count, (err: unknown) => {
      try {
        fail(req, res, err);
      } catch (inner) {
        logger.error({event: 'internal_error', err: inner}, 'could not answer an error');
        res.destroy();
      }
      count();
    });
  };
}
