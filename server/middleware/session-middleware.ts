import type {IncomingMessage, ServerResponse} from 'node:http';
import {MoinError, isMoinError} from '../../shared/index.js';
import {requestInfo} from '../http/request-info.js';
import {sendError} from '../http/respond.js';
import type {ServiceParts} from '../service-parts.js';
import type {SessionContext} from '../session/session-engine.js';
import {holdResponse} from './hold-response.js';
import {RequestSession} from './request-session.js';

/** A Connect/Express-style middleware, also usable from a plain `node:http` handler. */
export type SessionMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void
) => void;

/** A request that went through the middleware. */
export interface RequestWithSession extends IncomingMessage {
  session: RequestSession;
}

/**
 * `service.middleware()` (README "Server library"): loads the request's session through the engine,
 * puts a {@link RequestSession} on `req.session`, and when the response is about to be sent saves
 * the changed values (one atomic `data` op), applies the cookie rule (`engine.finish`: Set-Cookie,
 * sliding expiry) and only then lets the headers go. A store that fails at load goes to `next(err)`
 * (a MoinError `store_unavailable`); one that fails at the save answers 503 instead of the
 * handler's response, so no response claims to have stored what was not stored.
 */
export function createSessionMiddleware(parts: ServiceParts): SessionMiddleware {
  const {engine, config, logger} = parts;

  async function commit(
    ctx: SessionContext,
    session: RequestSession,
    res: ServerResponse
  ): Promise<void> {
    await session.save();
    const cookies = await engine.finish(ctx);
    if (cookies.length > 0) {
      res.appendHeader('set-cookie', cookies);
      // A response that sets the session cookie must not be stored by a shared cache.
      if (!res.hasHeader('cache-control')) res.setHeader('cache-control', 'no-store');
    }
    appendVary(res, 'Cookie');
  }

  function fail(res: ServerResponse, err: unknown): void {
    const error = isMoinError(err) && err.status >= 500 ? err : new MoinError('internal_error');
    if (error.code === 'internal_error') {
      logger.error({event: 'internal_error', err}, 'session middleware failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The handler's headers (a Set-Cookie among them) must not go out with the error.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    sendError(res, error);
  }

  return (req, res, next) => {
    if ((req as Partial<RequestWithSession>).session instanceof RequestSession) {
      next();
      return;
    }
    engine.load(requestInfo(req, config)).then(
      (ctx) => {
        const session = new RequestSession(ctx, engine);
        (req as RequestWithSession).session = session;
        holdResponse(
          res,
          () => commit(ctx, session, res),
          (err) => fail(res, err)
        );
        next();
      },
      (err: unknown) => next(err)
    );
  };
}

function appendVary(res: ServerResponse, field: string): void {
  const current = res.getHeader('vary');
  const list = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (list.includes('*') || list.some((v) => v.toLowerCase() === field.toLowerCase())) return;
  res.setHeader('vary', [...list, field].join(', '));
}
