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
  return `${opts.name}=${value}${lifetimeTail(lifetime, expiresAtMs, attributes(opts))}`;
}

function lifetimeTail(lifetime: number, expiresAtMs: number, attributes: string): string {
  return `; Max-Age=${lifetime}; Expires=${new Date(expiresAtMs).toUTCString()}${attributes}`;
}

/** The cookie that deletes the session cookie (same Path and Domain, as browsers require). */
export function deletionCookie(opts: CookieOptions): string {
  return `${opts.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${attributes(opts)}`;
}

/**
 * The session cookies of one engine: the attribute tail is built once per config (and per
 * secure/insecure request), and the `Max-Age`/`Expires` part once per expiry minute, so a
 * response only joins `NAME=VALUE` to a prepared tail. Nothing secret is kept: the id is joined
 * per call and never stored.
 */
export class SessionCookies {
  readonly #name: string;
  readonly #attributes: readonly [insecure: string, secure: string];
  readonly #deletions: readonly [insecure: string, secure: string];
  #lastKey = '';
  #lastTail = '';

  constructor(name: string, config: Config) {
    const opts = (secure: boolean): CookieOptions => ({name, config, secure});
    this.#name = name;
    this.#attributes = [attributes(opts(false)), attributes(opts(true))];
    this.#deletions = [deletionCookie(opts(false)), deletionCookie(opts(true))];
  }

  /** Same as {@link sessionCookie}. */
  session(value: string, lifetime: number, expiresAtMs: number, secure: boolean): string {
    const key = `${lifetime}/${expiresAtMs}/${secure ? 1 : 0}`;
    if (key !== this.#lastKey) {
      this.#lastTail = lifetimeTail(lifetime, expiresAtMs, this.#attributes[secure ? 1 : 0]);
      this.#lastKey = key;
    }
    return `${this.#name}=${value}${this.#lastTail}`;
  }

  /** Same as {@link deletionCookie}. */
  deletion(secure: boolean): string {
    return this.#deletions[secure ? 1 : 0];
  }
}
