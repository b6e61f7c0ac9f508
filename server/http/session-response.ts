import type {IncomingMessage, ServerResponse} from 'node:http';
import {isMoinError, type MoinError} from '../../shared/index.js';
import type {ServiceParts} from '../service-parts.js';
import type {SessionContext} from '../session/session-engine.js';
import {requestInfo} from './request-info.js';
import {API_HEADERS, sendJson, sendJsonText, type HeaderMap} from './respond.js';

/** What an action may answer instead of the session view. */
interface ActionResult {
  /** A body other than the view (e.g. the user search). */
  body?: unknown;
  /** A body built after `finish` (so a view in it shows the current expiry); wins over `body`. */
  bodyAfterFinish?: () => unknown;
  /** An error answered after the session was finished (its cookie still refreshed). */
  error?: MoinError;
  /** Extra headers (e.g. Retry-After). */
  headers?: HeaderMap;
}

/** One endpoint's work on the request's session. */
export type SessionAction = (ctx: SessionContext) => Promise<ActionResult | void>;

/**
 * Answers a request through the session engine, always in this order: load the session, act,
 * `finish` (cookies and the sliding expiry), then take the view (so it shows the current expiry).
 * A client error the action throws (a {@link MoinError} below 500) is answered after `finish` like
 * a result; store errors and bugs propagate to the caller's 503/500 handling, with no cookie.
 */
export async function answerWithSession(
  parts: ServiceParts,
  req: IncomingMessage,
  res: ServerResponse,
  action?: SessionAction
): Promise<void> {
  const {engine} = parts;
  const ctx = await engine.load(requestInfo(req, parts.config));
  let result: ActionResult = {};
  try {
    // No action (a plain read, the wiki back end's GET): no await for it either.
    if (action) result = (await action(ctx)) ?? {};
  } catch (err) {
    if (!isMoinError(err) || err.status >= 500) throw err;
    result = {error: err};
  }
  const cookies = await engine.finish(ctx);
  const headers: HeaderMap = {...API_HEADERS, ...result.headers};
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  if (result.error) {
    sendJson(res, result.error.status, result.error.toBody(), headers);
    return;
  }
  const body = result.bodyAfterFinish ? result.bodyAfterFinish() : result.body;
  if (body !== undefined) sendJson(res, 200, body, headers);
  else sendJsonText(res, 200, engine.viewJson(ctx), headers);
}
