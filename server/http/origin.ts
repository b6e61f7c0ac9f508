import type {IncomingMessage} from 'node:http';
import type {Config} from '../../shared/index.js';
import {ownOrigin} from './request-info.js';

/**
 * Where a request comes from, for the state-changing-request check and CORS:
 * - `same`: `Origin` equals our own origin (`scheme://Host`);
 * - `allowed`: `Origin` is listed in `allowed_origins` (gets CORS headers);
 * - `absent`: no `Origin` and no sign of a cross-site browser request (a wiki back end, curl);
 * - `refused`: anything else, including `Origin: null`.
 */
export type OriginVerdict = 'same' | 'allowed' | 'absent' | 'refused';

/**
 * Judges the request's origin by exact, case-insensitive match: no wildcards, no substrings.
 * Requests without `Origin` are let through: browsers send `Origin` on every cross-origin request and
 * on every POST/DELETE (fetch, forms), so a missing one means a non-browser client, which could send
 * any header anyway. A request that has no `Origin` but says `Sec-Fetch-Site: cross-site` or
 * `same-site` is refused all the same.
 */
export function judgeOrigin(
  req: IncomingMessage,
  config: Pick<Config, 'trust_proxy' | 'allowed_origins'>
): OriginVerdict {
  const raw = req.headers.origin;
  if (raw === undefined) {
    const site = req.headers['sec-fetch-site'];
    return site === 'cross-site' || site === 'same-site' ? 'refused' : 'absent';
  }
  const origin = raw.toLowerCase();
  if (origin === ownOrigin(req, config)) return 'same';
  if (config.allowed_origins.some((o) => o.toLowerCase() === origin)) return 'allowed';
  return 'refused';
}

/** The CORS headers for a response to an allowed origin (credentials included). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
  };
}

/** How long browsers may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/** The extra CORS headers of a preflight answer. */
export function preflightHeaders(allow: string[]): Record<string, string> {
  return {
    'access-control-allow-methods': allow.join(', '),
    // Only Content-Type is ever needed: the API takes JSON or form bodies and the cookie.
    'access-control-allow-headers': 'Content-Type',
    'access-control-max-age': String(PREFLIGHT_MAX_AGE),
  };
}
