import {
  MoinError,
  OP_ID_PATTERN,
  USER_SEARCH_LIMIT,
  isMoinError,
  validatePageName,
} from '../../shared/index.js';
import {LogSampler, REFUSAL_LOG_MS} from '../log-sampler.js';
import type {ServiceParts} from '../service-parts.js';
import {MAX_USER_NAME_LENGTH} from '../users/user-name.js';
import {booleanField, readBody, stringField} from './body.js';
import type {LoginQueue} from './login-queue.js';
import type {LoginThrottle} from './login-throttle.js';
import {requestInfo} from './request-info.js';
import type {Router} from './router.js';
import {answerWithSession} from './session-response.js';

/** The longest prefix `GET /api/users?q=` takes: the longest user name. */
const MAX_QUERY_LENGTH = MAX_USER_NAME_LENGTH;

/**
 * The session endpoints (README "HTTP API", docs/http.md). The body is read and checked before the
 * session is touched, so bad input is answered without any cookie or store write.
 */
export function addApiRoutes(
  router: Router,
  parts: ServiceParts,
  throttle: LoginThrottle,
  queue: LoginQueue
): void {
  const {engine, config, users, logger} = parts;
  // A flood of refused logins writes one line per 10 s each, not one per request.
  const throttledLog = new LogSampler(REFUSAL_LOG_MS);
  const busyLog = new LogSampler(REFUSAL_LOG_MS);

  router.add('/api/session', {
    GET: (req, res) => answerWithSession(parts, req, res),
  });

  router.add('/api/login', {
    POST: async (req, res) => {
      const body = await readBody(req);
      const name = stringField(body, 'name', true).trim();
      const password = stringField(body, 'password', true);
      // remember_me is off unless asked for (1.9 had it on by default as a preference).
      const rememberMe = booleanField(body, 'remember_me', false);
      const address = requestInfo(req, config).address;
      await answerWithSession(parts, req, res, async (ctx) => {
        // Counted before the check runs (see LoginThrottle): concurrent guesses cannot slip past.
        const wait = await throttle.begin(name, address);
        if (wait > 0) {
          const refused = throttledLog.take();
          if (refused > 0)
            logger.warn({event: 'login_throttled', address, refused}, 'login_throttled');
          return {
            error: new MoinError('too_many_attempts'),
            headers: {'retry-after': String(wait)},
          };
        }
        let ok = true;
        try {
          await queue.run(() => engine.login(ctx, name, password, rememberMe));
        } catch (err) {
          if (isMoinError(err) && err.code === 'invalid_credentials') {
            ok = false;
            logger.debug({event: 'login_failed', address}, 'login_failed');
          }
          if (isMoinError(err) && err.code === 'login_busy') {
            const refused = busyLog.take();
            if (refused > 0) logger.warn({event: 'login_busy', address, refused}, 'login_busy');
            return {error: err, headers: {'retry-after': '1'}};
          }
          throw err;
        } finally {
          // Only a wrong password stays counted; a refusal by the queue or a store error did not
          // find one.
          // Not given back (Redis gone meanwhile): it stays counted until the window ends.
          await throttle
            .end(name, address, ok)
            .catch((e: unknown) =>
              logger.warn(
                {event: 'throttle_end_failed', err: e instanceof Error ? e.message : String(e)},
                'throttle_end_failed'
              )
            );
        }
        return undefined;
      });
    },
  });

  router.add('/api/logout', {
    POST: async (req, res) => {
      await readBody(req);
      await answerWithSession(parts, req, res, (ctx) => engine.logout(ctx));
    },
  });

  router.add('/api/trail', {
    POST: async (req, res) => {
      const body = await readBody(req);
      const page = validatePageName(body['page']);
      if (!page.ok) throw new MoinError('invalid_page', page.message);
      const id = stringField(body, 'id', false);
      if (id !== undefined && !OP_ID_PATTERN.test(id)) {
        throw new MoinError(
          'bad_body',
          'The field "id" must be 1-64 characters from A-Z, a-z, 0-9, "_", ".", ":" and "-".'
        );
      }
      await answerWithSession(parts, req, res, async (ctx) => {
        // The session's WebSocket bucket: HTTP is no way around visit_rate.
        if (ctx.record && !parts.visitBuckets.for(ctx.record.key).take()) {
          logger.debug({event: 'trail_rate_limited'}, 'trail_rate_limited');
          return {error: new MoinError('rate_limited'), headers: {'retry-after': '1'}};
        }
        await engine.visit(ctx, page.name, id);
        return undefined;
      });
    },
  });

  router.add('/api/su', {
    POST: async (req, res) => {
      const body = await readBody(req);
      const target = stringField(body, 'name', true).trim();
      await answerWithSession(parts, req, res, (ctx) => engine.su(ctx, target));
    },
    DELETE: async (req, res) => {
      await readBody(req);
      await answerWithSession(parts, req, res, (ctx) => engine.suReturn(ctx));
    },
  });

  router.add('/api/users', {
    GET: async (req, res, {query}) => {
      const q = query.get('q') ?? '';
      if (q.length > MAX_QUERY_LENGTH) {
        throw new MoinError(
          'bad_request',
          `The query "q" is longer than ${MAX_QUERY_LENGTH} characters.`
        );
      }
      await answerWithSession(parts, req, res, async (ctx) => {
        // The real user decides (also while acting as someone else), checked against the config now.
        if (!engine.isSuperuser(ctx.record?.user ?? null)) throw new MoinError('not_superuser');
        // Superusers are never valid targets (target_is_superuser), so the picker does not offer them.
        const supers = new Set(config.superuser);
        const found = users
          .search(q.trim(), USER_SEARCH_LIMIT + supers.size)
          .filter((u) => !supers.has(u.name))
          .slice(0, USER_SEARCH_LIMIT);
        return {body: {users: found.map((u) => ({name: u.name}))}};
      });
    },
  });
}
