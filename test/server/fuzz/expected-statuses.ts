import type {RawRequest} from './raw-http.js';

// The statuses a fuzzed request may get, worked out from the request alone, so the fuzzer checks
// that every answer is the right kind of answer (not merely "not a 500"). The order follows the
// server's: the HTTP parser, the router (404, 405, OPTIONS), the Origin check of state-changing
// methods (403), then the handler's own answers.

/** Methods Node's HTTP parser knows; any other is refused by the parser itself with 400. */
const PARSER_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
]);

/** What each route's handlers may answer, by method, for a request without a live session. */
const ROUTES: Record<string, Record<string, readonly number[]>> = {
  '/api/session': {GET: [200]},
  // No fuzzed password is real (401), and the throttle's limit is set high in the test (429 stays
  // possible after many failures for one name).
  '/api/login': {POST: [400, 401, 413, 415, 429]},
  '/api/logout': {POST: [200, 400, 413, 415]},
  '/api/trail': {POST: [200, 400, 413, 415]},
  // No fuzzed cookie is a live session, so nobody is logged in.
  '/api/su': {POST: [400, 401, 413, 415], DELETE: [400, 401, 413, 415]},
  // 400 for a query over the length limit; nobody is a superuser.
  '/api/users': {GET: [400, 403]},
  '/healthz': {GET: [200]},
  '/metrics': {GET: [200]},
  // The test service has no demo page.
  '/': {GET: [404]},
  // 503 when the bundle has not been built in this checkout.
  '/moin-session.js': {GET: [200, 503]},
};

const STATE_CHANGING = new Set(['POST', 'DELETE', 'PUT', 'PATCH']);

function pathOf(target: string): string | null {
  if (target.startsWith('/')) return target.split('?')[0]!;
  try {
    return new URL(target).pathname;
  } catch {
    return null;
  }
}

/** The set of statuses `req` may be answered with. */
export function expectedStatuses(req: RawRequest): Set<number> {
  if (!PARSER_METHODS.has(req.method)) return new Set([400]);
  const path = pathOf(req.target);
  const handlers = path === null ? undefined : ROUTES[path];
  // Unknown paths: 404, or 400 when the parser refuses the target's bytes first.
  if (!handlers) return new Set([400, 404]);
  const hasOrigin = req.headers.some(([k]) => k === 'Origin');
  if (req.method === 'OPTIONS') return new Set(hasOrigin ? [204, 403] : [204]);
  const own = handlers[req.method] ?? (req.method === 'HEAD' ? handlers['GET'] : undefined);
  if (!own) return new Set([405]);
  const allowed = new Set(own);
  // An Origin that is neither ours nor allowed; fuzzed origins include exactly ours too.
  if (STATE_CHANGING.has(req.method) && hasOrigin) allowed.add(403);
  return allowed;
}
