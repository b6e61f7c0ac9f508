import type {Config} from '../../shared/index.js';

/** The attributes of the session cookie for one response. */
export interface CookieOptions {
  name: string;
  config: Config;
  /** Is the request https (TLS, or X-Forwarded-Proto from a trusted proxy). */
  secure: boolean;
}

function attributes({config, secure}: CookieOptions): string {
  let out = `; Path=${config.cookie_path ?? '/'}`;
  if (config.cookie_domain !== null) out += `; Domain=${config.cookie_domain}`;
  if (config.cookie_secure === true || (config.cookie_secure === null && secure)) out += '; Secure';
  if (config.cookie_httponly) out += '; HttpOnly';
  out += `; SameSite=${config.cookie_samesite}`;
  return out;
}

/**
 * `NAME=VALUE; Max-Age=L; Expires=…; Path=…[; Domain=…][; Secure][; HttpOnly]; SameSite=…`.
 * `expiresAtMs` is the server-side expiry (1.9: now rounded down to the minute plus L).
 */
export function sessionCookie(
  opts: CookieOptions,
  value: string,
  lifetime: number,
  expiresAtMs: number
): string {
  return `${opts.name}=${value}; Max-Age=${lifetime}; Expires=${new Date(expiresAtMs).toUTCString()}${attributes(opts)}`;
}

/** The cookie that deletes the session cookie (same Path and Domain, as browsers require). */
export function deletionCookie(opts: CookieOptions): string {
  return `${opts.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${attributes(opts)}`;
}
