import type {IncomingMessage} from 'node:http';
import {MoinError, type SessionView} from '../../shared/index.js';
import {RequestSession} from '../middleware/request-session.js';
import type {ServiceParts} from '../service-parts.js';
import type {SessionContext} from '../session/session-engine.js';
import {readBackendToken, type BackendToken} from './backend-token.js';
import {booleanField, readBody, stringField, type Body} from './body.js';
import {LoginThrottle} from './login-throttle.js';
import {requestInfo} from './request-info.js';
import type {Handler, Router} from './router.js';
import {answerWithSession, type SessionAction} from './session-response.js';

/** The answer of `GET /api/backend/session` and `POST /api/backend/session/data`. */
interface BackendSessionBody {
  session: SessionView;
  /** 1.9's `is_new`: nothing is stored for this browser yet, so values are not kept. */
  isNew: boolean;
  /** The extension values (`req.session` in Node), as stored. */
  data: Record<string, unknown>;
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * The wiki back end's API (`/api/backend/*`, docs/backend.md), read from `backend_token_file` at
 * start-up. Without that file nothing is added and the paths answer 404 `not_found`. Every request
 * must carry no `Origin` (a browser always sends one on POST and cross-origin GET: 403 `bad_origin`)
 * and `Authorization: Bearer <secret>` (else 401 `bad_token`; wrong secrets count against the
 * address like failed logins and end in 429 `too_many_attempts`). The browser's `Cookie` comes
 * forwarded as is; the answers carry the `Set-Cookie` the back end forwards to the browser.
 */
export function addBackendRoutes(router: Router, parts: ServiceParts): void {
  const {engine, config, logger} = parts;
  const token = readBackendToken(config.backend_token_file);
  if (token === null) return;
  // A throttle of its own, keyed by address only: failed user logins do not lock the wiki out,
  // and nobody can lock the back end out by guessing from elsewhere.
  const throttle = new LoginThrottle({
    maxFailures: config.login_max_failures,
    windowSeconds: config.login_window_seconds,
    counter: parts.throttleCounter,
    scope: 'backend',
  });

  /** Checks origin and token, then answers through the session engine. */
  const guarded =
    (work: (req: IncomingMessage, body: Body) => SessionAction | Promise<SessionAction>): Handler =>
    async (req, res) => {
      await authorize(req, token, throttle, parts);
      const body = req.method === 'GET' ? {} : await readBody(req);
      const action = await work(req, body);
      await answerWithSession(parts, req, res, action);
    };

  /** The GET shape, built after `finish` so the view shows the current expiry. */
  const sessionBody = (ctx: SessionContext) => ({
    bodyAfterFinish: (): BackendSessionBody => ({
      session: engine.view(ctx),
      isNew: ctx.record === null,
      data: {...(ctx.record?.data ?? {})},
    }),
  });

  router.add('/api/backend/login', {
    POST: guarded((_req, body) => {
      const name = stringField(body, 'user', true).trim();
      const rememberMe = booleanField(body, 'remember_me', false);
      const user = engine.activeUser(name);
      return async (ctx) => {
        await engine.loginAs(ctx, user, rememberMe, 'backend');
        logger.info({event: 'backend_login', user: user.name}, 'backend_login');
      };
    }),
  });

  router.add('/api/backend/logout', {
    POST: guarded(() => (ctx) => engine.logout(ctx)),
  });

  router.add('/api/backend/session', {
    GET: guarded(() => async (ctx) => sessionBody(ctx)),
  });

  router.add('/api/backend/session/data', {
    POST: guarded((_req, body) => {
      const {set, del} = dataChanges(body);
      return async (ctx) => {
        // The req.session rules, through the same class: JSON only, key limits, nothing kept while
        // isNew; all keys checked before the one atomic `data` op, so bad input writes nothing.
        const session = new RequestSession(ctx, engine);
        try {
          // Deletes first, so the size check sees the values as they will be (a key is never
          // both set and deleted: dataChanges refuses that).
          for (const k of del) session.delete(k);
          for (const [k, v] of Object.entries(set)) session.set(k, v);
        } catch (err) {
          if (err instanceof RangeError) throw new MoinError('data_too_large', err.message);
          if (err instanceof TypeError) throw new MoinError('bad_body', err.message);
          throw err;
        }
        await session.save();
        return sessionBody(ctx);
      };
    }),
  });
}

/** Refuses browsers (any Origin) and wrong or missing secrets; never says anything about the secret. */
async function authorize(
  req: IncomingMessage,
  token: BackendToken,
  throttle: LoginThrottle,
  parts: ServiceParts
): Promise<void> {
  if (req.headers.origin !== undefined || req.headers['sec-fetch-mode'] !== undefined) {
    throw new MoinError('bad_origin', 'The back-end API does not answer browsers (Origin sent).');
  }
  const address = requestInfo(req, parts.config).address;
  // Counted per address (the secret has no name); only a wrong secret counts.
  const wait = await throttle.retryAfterAddress(address);
  if (wait > 0) {
    parts.logger.warn({event: 'backend_throttled', address}, 'backend_throttled');
    throw new MoinError('too_many_attempts', `Too many wrong secrets; retry in ${wait} s.`);
  }
  const header = req.headers.authorization;
  const candidate = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (candidate === undefined) {
    throw new MoinError('bad_token', 'Send Authorization: Bearer <the backend_token_file secret>.');
  }
  if (!token.matches(candidate)) {
    await throttle.failAddress(address);
    parts.logger.warn({event: 'backend_bad_token', address}, 'backend_bad_token');
    throw new MoinError('bad_token');
  }
}

/** The `{set, delete}` body of `POST /api/backend/session/data`, checked for shape. */
function dataChanges(body: Body): {set: Record<string, unknown>; del: string[]} {
  for (const key of Object.keys(body)) {
    if (key !== 'set' && key !== 'delete') {
      throw new MoinError('bad_body', `Unknown field "${key.slice(0, 40)}"; send {set, delete}.`);
    }
  }
  const set = body['set'] ?? {};
  if (typeof set !== 'object' || set === null || Array.isArray(set)) {
    throw new MoinError('bad_body', 'The field "set" must be an object of values.');
  }
  const del = body['delete'] ?? [];
  if (!Array.isArray(del) || !del.every((k) => typeof k === 'string')) {
    throw new MoinError('bad_body', 'The field "delete" must be a list of keys.');
  }
  const both = del.find((k) => Object.hasOwn(set, k));
  if (both !== undefined) {
    throw new MoinError('bad_body', `The key "${both.slice(0, 40)}" is both set and deleted.`);
  }
  return {set: set as Record<string, unknown>, del: del as string[]};
}
